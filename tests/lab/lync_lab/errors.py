"""Errors a lab rule raises where Windows would fail; the engine turns them into PowerShell errors."""


class PSError(Exception):
    """A terminating PowerShell error: win_powershell reports it in `error` and fails."""

    def __init__(self, message, category="NotSpecified", error_id="LabError", code=None):
        super().__init__(message)
        self.message = message
        self.category = category
        self.error_id = error_id
        self.code = code  # the Win32 error code, where Windows gives one (fsops.hard_link)

    def record(self):
        """The error record win_powershell would return for this error."""
        return {
            "output": self.message,
            "error_details": None,
            "exception": {"message": self.message, "type": "System.Management.Automation.RuntimeException",
                          "help_link": None, "source": "lab", "hresult": -2146233087, "inner_exception": None},
            "target_object": None,
            "category_info": {"category": self.category, "category_id": 0, "activity": "", "reason": "LabError",
                              "target_name": "", "target_type": ""},
            "fully_qualified_error_id": self.error_id,
            "script_stack_trace": "at <ScriptBlock>, <No file>",
            "pipeline_iteration_info": [],
        }
