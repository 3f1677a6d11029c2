"""One Python twin per payload: same name, same parameters (tests/lab/test_twin_parity.py).

A twin module has PARAMETERS ({name: {"kind", "mandatory", "default"?}}, the payload's
param() block) and run(ctx, params), which reads and changes ctx.state the way the
payload changes the Windows host, and returns the payload's result object.
"""
