# Enables the Data Exchange (KVP) integration service of one VM, for AVMA Console.
# Run on the Hyper-V host; reports the service's state before and after.
# Parameters arrive only as a base64-encoded JSON blob; no value is ever interpolated into script text.
param([Parameter(Mandatory = $true)][string]$ParamBlob)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'

$params = [System.Text.Encoding]::UTF8.GetString([System.Convert]::FromBase64String($ParamBlob)) | ConvertFrom-Json
# Data Exchange is found by its ID: its display name is localized.
$kvpServiceId = '2A34B1C2-FD73-4043-8A5B-DD2159BC743F'

function Get-KvpService {
    param([object]$Vm)
    Get-VMIntegrationService -VM $Vm | Where-Object { $_.Id -match $kvpServiceId } | Select-Object -First 1
}

function Get-KvpFacts {
    param([object]$Service)
    [ordered]@{
        Enabled                    = [bool]$Service.Enabled
        PrimaryStatusDescription   = [string]$Service.PrimaryStatusDescription
        SecondaryStatusDescription = [string]$Service.SecondaryStatusDescription
    }
}

$vm = Get-VM -Id $params.vm_id
$service = Get-KvpService -Vm $vm
if (-not $service) {
    throw 'This virtual machine has no Data Exchange integration service (ID 2A34B1C2-FD73-4043-8A5B-DD2159BC743F).'
}
$before = Get-KvpFacts -Service $service
if (-not $service.Enabled) {
    $service | Enable-VMIntegrationService
}
$after = Get-KvpFacts -Service (Get-KvpService -Vm $vm)

[ordered]@{
    Schema = 1
    VmName = $vm.Name
    VmId   = [string]$vm.Id
    State  = [string]$vm.State
    Before = $before
    After  = $after
} | ConvertTo-Json -Depth 4 -Compress
