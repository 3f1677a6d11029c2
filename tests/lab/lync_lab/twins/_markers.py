"""Where the recovery markers live on a lab host (as on Windows: %ProgramData%\\lync.server\\recovery)."""

MARKER_FOLDER = "C:\\ProgramData\\lync.server\\recovery"
