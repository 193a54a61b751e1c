# Removes a VM's AVMA-related KVP items after its AVMA key was replaced by another channel's key, for AVMA Console.
# mode 'direct': run on the Hyper-V host; host-pushed items go with Msvm_VirtualSystemManagementService.RemoveKvpItems,
#                guest-pushed items are deleted inside the guest through PowerShell Direct (when a guest credential is given).
# mode 'local':  run inside the guest itself over WinRM (2012 R2 guests); only guest-pushed items.
# Which items AVMA writes is unconfirmed, so the name patterns are data in the parameter blob.
# Parameters arrive only as a base64-encoded JSON blob; no value is ever interpolated into script text.
param([Parameter(Mandatory = $true)][string]$ParamBlob)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'

$params = [System.Text.Encoding]::UTF8.GetString([System.Convert]::FromBase64String($ParamBlob)) | ConvertFrom-Json
$patterns = @($params.patterns | ForEach-Object { [string]$_ })
$kvpItemName = '<PROPERTY NAME="Name" TYPE="string"><VALUE>([^<]*)</VALUE>'
$namespace = 'root\virtualization\v2'

# Runs inside the guest; the patterns arrive as its arguments. Values are deleted through the .NET registry API,
# which takes a name literally (Remove-ItemProperty would expand wildcards in a tenant-chosen value name).
$guestCleanup = {
    $ErrorActionPreference = 'Stop'
    $ProgressPreference = 'SilentlyContinue'
    $wanted = @($args | ForEach-Object { [string]$_ })
    $computer = Get-CimInstance -ClassName 'Win32_ComputerSystem'
    if ([string]$computer.Model -ne 'Virtual Machine') {
        throw 'Refusing to delete KVP values: this computer is not a Hyper-V virtual machine (check the address).'
    }
    $results = @()
    $key = [Microsoft.Win32.Registry]::LocalMachine.OpenSubKey('SOFTWARE\Microsoft\Virtual Machine\Guest', $true)
    if ($key) {
        try {
            foreach ($name in $key.GetValueNames()) {
                $matched = @($wanted | Where-Object { $name -like $_ }).Count -gt 0
                if ($matched) {
                    $entry = [ordered]@{ Name = $name; Source = 'guest'; Removed = $false; Error = $null }
                    try {
                        $key.DeleteValue($name)
                        $entry.Removed = $true
                    } catch { $entry.Error = $_.Exception.Message }
                    $results += [pscustomobject]$entry
                }
            }
        } finally { $key.Close() }
    }
    $results
}

$items = @()
$guestError = $null
$vmName = $null
$vmId = $null
if ($params.mode -eq 'direct') {
    $vm = Get-VM -Id $params.vm_id
    $vmName = $vm.Name
    $vmId = ([string]$vm.Id).ToUpperInvariant()
    $system = Get-CimInstance -Namespace $namespace -ClassName 'Msvm_ComputerSystem' | Where-Object { ([string]$_.Name).ToUpperInvariant() -eq $vmId } | Select-Object -First 1
    $settings = Get-CimAssociatedInstance -InputObject $system -ResultClassName 'Msvm_VirtualSystemSettingData' | Where-Object { $_.VirtualSystemType -eq 'Microsoft:Hyper-V:System:Realized' } | Select-Object -First 1
    $kvpSettings = Get-CimAssociatedInstance -InputObject $settings -ResultClassName 'Msvm_KvpExchangeComponentSettingData' | Select-Object -First 1
    $management = Get-CimInstance -Namespace $namespace -ClassName 'Msvm_VirtualSystemManagementService'
    foreach ($itemXml in @($kvpSettings.HostExchangeItems | Where-Object { $_ })) {
        $name = [System.Net.WebUtility]::HtmlDecode([regex]::Match($itemXml, $kvpItemName).Groups[1].Value)
        $matched = @($patterns | Where-Object { $name -like $_ }).Count -gt 0
        if (-not $matched) { continue }
        $entry = [ordered]@{ Name = $name; Source = 'host'; Removed = $false; Error = $null }
        try {
            # The item as the host holds it names exactly what to remove (Name and Source).
            $call = Invoke-CimMethod -InputObject $management -MethodName 'RemoveKvpItems' -Arguments @{ TargetSystem = $system; DataItems = @($itemXml) }
            if ($call.ReturnValue -eq 4096) {
                $job = $call.Job
                $deadline = (Get-Date).AddSeconds(30)
                while ($job -and ([int]$job.JobState -in @(3, 4)) -and (Get-Date) -lt $deadline) {
                    Start-Sleep -Milliseconds 500
                    $job = Get-CimInstance -InputObject $job
                }
                if ($job -and [int]$job.JobState -eq 7) { $entry.Removed = $true }
                else { $entry.Error = 'The RemoveKvpItems job did not complete: ' + [string]$job.ErrorDescription }
            } elseif ($call.ReturnValue -eq 0) {
                $entry.Removed = $true
            } else {
                $entry.Error = 'RemoveKvpItems returned ' + [string]$call.ReturnValue
            }
        } catch { $entry.Error = $_.Exception.Message }
        $items += [pscustomobject]$entry
    }
    if ($params.guest_credential) {
        $secret = ConvertTo-SecureString -String $params.guest_credential.password -AsPlainText -Force
        $credential = New-Object -TypeName 'System.Management.Automation.PSCredential' -ArgumentList @($params.guest_credential.username, $secret)
        try {
            $items += @(Invoke-Command -VMId $vm.Id -Credential $credential -ScriptBlock $guestCleanup -ArgumentList $patterns)
        } catch { $guestError = $_.Exception.Message }
    }
} elseif ($params.mode -eq 'local') {
    $items += @(& $guestCleanup @patterns)
} else {
    throw "The parameter 'mode' must be 'direct' (from the host) or 'local' (inside the guest)."
}

[ordered]@{
    Schema       = 1
    Mode         = [string]$params.mode
    ComputerName = $env:COMPUTERNAME
    VmName       = $vmName
    VmId         = $vmId
    Items        = @($items | ForEach-Object {
        [ordered]@{ Name = [string]$_.Name; Source = [string]$_.Source; Removed = [bool]$_.Removed; Error = $_.Error }
    })
    GuestError   = $guestError
} | ConvertTo-Json -Depth 5 -Compress
