# lync-payload: lync_topology_enable
# Enable-CsTopology: makes the published topology take effect and sets the ACLs of the
# file stores (after a file store was rebuilt without restoring the CMS, 4.10 step 2).
[CmdletBinding()]
param()
$ErrorActionPreference = 'Stop'

$lyncModule = Get-Module -ListAvailable -Name 'SkypeForBusiness', 'Lync' | Select-Object -First 1
if (-not $lyncModule) { throw 'LYNC_SHELL_MISSING: neither the SkypeForBusiness nor the Lync module is installed' }
Import-Module $lyncModule

Enable-CsTopology -Force -Confirm:$false
$Ansible.Result = @{ Enabled = $true }
