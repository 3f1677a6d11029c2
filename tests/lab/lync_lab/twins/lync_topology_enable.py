"""Twin of lync_topology_enable.ps1."""

from .. import cmdlets, model

PARAMETERS = {}


def run(ctx, params):
    del params
    model.require_lync_shell(ctx.record)
    cmdlets.enable_topology(ctx.state)
    return {"Enabled": True}
