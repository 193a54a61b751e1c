# Installs a product key in one guest and reads back its licence state, for AVMA Console.
# mode 'direct': run on the Hyper-V host, reaching into the guest through PowerShell Direct (2016+ guests).
# mode 'local':  run inside the guest itself over WinRM (2012 R2 guests, which have no PowerShell Direct).
# Parameters arrive only as a base64-encoded JSON blob; no value is ever interpolated into script text.
param([Parameter(Mandatory = $true)][string]$ParamBlob)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'

$params = [System.Text.Encoding]::UTF8.GetString([System.Convert]::FromBase64String($ParamBlob)) | ConvertFrom-Json

# Runs inside the guest. A PowerShell Direct session sees none of this script's variables, so everything
# it needs comes in as arguments and its preferences are set again.
$guestInstall = {
    param([string]$Key, [string]$ExpectedVmId, [int]$SettleSeconds)
    $ErrorActionPreference = 'Stop'
    $ProgressPreference = 'SilentlyContinue'
    $licenseFilter = "ApplicationID='55c92734-d682-4d71-983e-d6ec3f16059f' AND PartialProductKey IS NOT NULL"

    function Get-LicenseState {
        $product = Get-CimInstance -ClassName 'SoftwareLicensingProduct' -Filter $licenseFilter | Select-Object -First 1
        $lastActivation = $null
        if ($product -and $product.AutomaticVMActivationLastActivationTime) {
            $lastActivation = $product.AutomaticVMActivationLastActivationTime.ToUniversalTime().ToString('o')
        }
        [pscustomobject]@{
            LicenseStatus                           = $product.LicenseStatus
            Description                             = $product.Description
            PartialProductKey                       = $product.PartialProductKey
            GracePeriodRemaining                    = $product.GracePeriodRemaining
            AutomaticVMActivationHostMachineName    = $product.AutomaticVMActivationHostMachineName
            AutomaticVMActivationLastActivationTime = $lastActivation
        }
    }

    # A mistyped address must never re-key a physical host or another tenant's VM.
    $computer = Get-CimInstance -ClassName 'Win32_ComputerSystem'
    if ([string]$computer.Model -ne 'Virtual Machine') {
        throw 'Refusing to install a product key: this computer is not a Hyper-V virtual machine (check the address).'
    }
    if ($ExpectedVmId) {
        $reportedId = $null
        try {
            $reportedId = (Get-ItemProperty -Path 'HKLM:\SOFTWARE\Microsoft\Virtual Machine\Guest\Parameters' -Name 'VirtualMachineId').VirtualMachineId
        } catch { $reportedId = $null }
        if ($reportedId -and ([string]$reportedId).Trim('{}') -ne $ExpectedVmId.Trim('{}')) {
            throw 'Refusing to install a product key: this guest is not the virtual machine that was selected (its VirtualMachineId differs; check the address).'
        }
    }

    $started = Get-Date
    $before = Get-LicenseState
    $installError = $null
    try {
        $service = Get-CimInstance -ClassName 'SoftwareLicensingService'
        Invoke-CimMethod -InputObject $service -MethodName 'InstallProductKey' -Arguments @{ ProductKey = $Key } | Out-Null
        Invoke-CimMethod -InputObject $service -MethodName 'RefreshLicenseStatus' | Out-Null
    } catch {
        $nativeCode = $null
        if ($_.Exception.ErrorData) { $nativeCode = $_.Exception.ErrorData.error_Code }
        $installError = [pscustomobject]@{
            HResult    = ('0x{0:X8}' -f $_.Exception.HResult)
            NativeCode = $nativeCode
            Message    = $_.Exception.Message
        }
    }

    $after = Get-LicenseState
    $guestEvents = @()
    if (-not $installError) {
        # The guest asks its host for AVMA activation on its own shortly after a key change: wait a little
        # for its answer (an event 12309 or a licensed state) so the result can be reported at once.
        $deadline = $started.AddSeconds($SettleSeconds)
        while ($true) {
            $guestEvents = @(Get-WinEvent -FilterHashtable @{ LogName = 'Application'; Id = 12309; StartTime = $started } -MaxEvents 20 -ErrorAction SilentlyContinue)
            if ($after.LicenseStatus -eq 1 -or $guestEvents.Count -gt 0 -or (Get-Date) -ge $deadline) { break }
            Start-Sleep -Seconds 2
            $after = Get-LicenseState
        }
    }
    [pscustomobject]@{
        Before       = $before
        InstallError = $installError
        After        = $after
        Events       = @($guestEvents | ForEach-Object {
            [pscustomobject]@{
                RecordId    = $_.RecordId
                TimeCreated = $_.TimeCreated.ToUniversalTime().ToString('o')
                Id          = $_.Id
                MachineName = $_.MachineName
                Message     = $_.Message
                Properties  = @($_.Properties | ForEach-Object { [string]$_.Value })
            }
        })
    }
}

$started = Get-Date
$settleSeconds = [int]$params.settle_seconds
$vmName = $null
$vmId = $null
$hostEvents = @()
if ($params.mode -eq 'direct') {
    $vm = Get-VM -Id $params.vm_id
    $vmName = $vm.Name
    $vmId = [string]$vm.Id
    $secret = ConvertTo-SecureString -String $params.guest_credential.password -AsPlainText -Force
    $credential = New-Object -TypeName 'System.Management.Automation.PSCredential' -ArgumentList @($params.guest_credential.username, $secret)
    $result = Invoke-Command -VMId $vm.Id -Credential $credential -ScriptBlock $guestInstall -ArgumentList @($params.key, '', $settleSeconds)
    # The host's side of the AVMA exchange: event 12310 for every request it answered.
    $hostEvents = @(Get-WinEvent -FilterHashtable @{ LogName = 'Application'; Id = 12310; StartTime = $started } -MaxEvents 50 -ErrorAction SilentlyContinue | ForEach-Object {
        [ordered]@{
            RecordId    = $_.RecordId
            TimeCreated = $_.TimeCreated.ToUniversalTime().ToString('o')
            Id          = $_.Id
            MachineName = $_.MachineName
            Message     = $_.Message
            Properties  = @($_.Properties | ForEach-Object { [string]$_.Value })
        }
    })
} elseif ($params.mode -eq 'local') {
    $result = & $guestInstall $params.key ([string]$params.expected_vm_id) $settleSeconds
} else {
    throw "The parameter 'mode' must be 'direct' (from the host) or 'local' (inside the guest)."
}

[ordered]@{
    Schema       = 1
    Mode         = [string]$params.mode
    ComputerName = $env:COMPUTERNAME
    VmName       = $vmName
    VmId         = $vmId
    Before       = $result.Before
    InstallError = $result.InstallError
    After        = $result.After
    GuestEvents  = @($result.Events)
    HostEvents   = $hostEvents
} | ConvertTo-Json -Depth 6 -Compress
