# lync-payload: lync_recovery_markers
# Reads the markers finished recovery stages left on this server
# (%ProgramData%\lync.server\recovery\<stage>.json). Read-only.
# Only markers no one but Administrators and SYSTEM could have written are read (review s9main, finding 1): the
# lync.server and recovery folders must be owned by Administrators or SYSTEM, not reparse points, with no rule that
# lets anyone else write; each marker must be owned by Administrators or SYSTEM (lync_recovery_marker_set names that
# owner when it creates one). Anything else stops with LYNC_RECOVERY_UNSAFE: a planted marker would make a rerun
# skip a recovery stage.
[CmdletBinding(SupportsShouldProcess)]
param()
$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false

$base = Join-Path -Path $env:ProgramData -ChildPath 'lync.server'
$folder = Join-Path -Path $base -ChildPath 'recovery'
$sidType = [System.Security.Principal.SecurityIdentifier]
$ours = @('S-1-5-32-544', 'S-1-5-18')
$creators = @('S-1-3-0')  # CREATOR OWNER (not CREATOR GROUP: it becomes the creator's primary group)
# FileSystemRights that change a folder or what it holds; CREATOR OWNER's inherit-only rules not counted (see
# lync_job_start).
$writeRights = 2 -bor 4 -bor 16 -bor 64 -bor 256 -bor 65536 -bor 262144 -bor 524288 -bor 0x40000000 -bor 0x10000000
$markers = @()
if (Test-Path -LiteralPath $folder) {
    foreach ($checked in @($base, $folder)) {
        $item = Get-Item -LiteralPath $checked -Force
        $linked = ($item.Attributes -band [System.IO.FileAttributes]::ReparsePoint) -ne 0
        $owner = '(not read: a link)'
        $open = @()
        if (-not $linked) {
            # A link is refused before its ACL is read: Get-Acl of a dangling junction fails (review s13, 2).
            $itemAcl = Get-Acl -LiteralPath $checked
            $owner = $itemAcl.GetOwner($sidType).Value
            $open = @($itemAcl.GetAccessRules($true, $true, $sidType) | Where-Object { $ours -notcontains $_.IdentityReference.Value -and [string]$_.AccessControlType -eq 'Allow' -and -not ($creators -contains $_.IdentityReference.Value -and ([int]$_.PropagationFlags -band 2) -ne 0) -and ([int]$_.FileSystemRights -band $writeRights) -ne 0 })
        }
        if ($linked -or $ours -notcontains $owner -or $open.Count -gt 0) {
            throw "LYNC_RECOVERY_UNSAFE: $checked is not the folder this collection makes (owner $owner, a link: $linked, others may write: $($open.Count -gt 0)), so its markers cannot be trusted: a planted one would make a rerun skip a recovery stage. Check the markers in $folder, remove the ones this recovery did not write (or the folder, to run every stage again), make the folder Administrators' only (icacls `"$checked`" /setowner *S-1-5-32-544 /T, then icacls `"$checked`" /inheritance:r /grant:r *S-1-5-32-544:(OI)(CI)F *S-1-5-18:(OI)(CI)F /T, and remove every other account's own rule: icacls `"$checked`" /remove:g *<SID> /T; the first found: $(@($open | ForEach-Object { $_.IdentityReference.Value })[0])), and run again"
        }
    }
    $markers = @(Get-ChildItem -LiteralPath $folder -Filter '*.json' -File | Sort-Object -Property Name | ForEach-Object {
        $markerAcl = Get-Acl -LiteralPath $_.FullName
        $markerOwner = $markerAcl.GetOwner($sidType).Value
        # Its own rules too: a marker an earlier version wrote has no protected ACL of its own (review s13, 1).
        $markerOpen = @($markerAcl.GetAccessRules($true, $true, $sidType) | Where-Object { $ours -notcontains $_.IdentityReference.Value -and [string]$_.AccessControlType -eq 'Allow' -and -not ($creators -contains $_.IdentityReference.Value -and ([int]$_.PropagationFlags -band 2) -ne 0) -and ([int]$_.FileSystemRights -band $writeRights) -ne 0 })
        # Both faults in one refusal, each with its fix: one per run would send the operator back twice (review s14, 2).
        # The owner first: an owner may always rewrite the ACL, so /reset works once Administrators own it (review s16, 4).
        # takeown /A takes ownership for Administrators, which icacls /setowner cannot when the caller lacks the right to
        # (https://learn.microsoft.com/windows-server/administration/windows-commands/takeown; review s17, 4).
        $faults = @()
        $fixes = @()
        if ($ours -notcontains $markerOwner) {
            $faults += "is owned by $markerOwner, not by Administrators or SYSTEM (this collection did not write it as it is, or an earlier version wrote it under the 'Object creator' owner policy)"
            $fixes += "make Administrators its owner (takeown /F `"$($_.FullName)`" /A: icacls /setowner does not take ownership)"
        }
        if ($markerOpen.Count -gt 0) {
            $faults += "may be changed by others ($($markerOpen[0].IdentityReference.Value) may write it)"
            $fixes += "give it back the folder's ACL (icacls `"$($_.FullName)`" /reset: recovery holds Administrators and SYSTEM only)"
        }
        if ($faults.Count -gt 0) {
            throw "LYNC_RECOVERY_UNSAFE: the marker $($_.FullName) $($faults -join ' and '), so it cannot be trusted: a changed one would make a rerun skip a recovery stage. Check it; delete it if this recovery did not finish that stage, or $($fixes -join ', then '), and run again"
        }
        @{ Stage = $_.BaseName; Text = [System.IO.File]::ReadAllText($_.FullName) }
    })
}
$Ansible.Result = @{ Folder = $folder; Markers = $markers }
