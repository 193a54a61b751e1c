# Host inventory for AVMA Console: one invocation per host, one JSON document on stdout.
# Parameters arrive only as a base64-encoded JSON blob; no value is ever interpolated into script text.
param([Parameter(Mandatory = $true)][string]$ParamBlob)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'

$params = [System.Text.Encoding]::UTF8.GetString([System.Convert]::FromBase64String($ParamBlob)) | ConvertFrom-Json
$windowsApplicationId = '55c92734-d682-4d71-983e-d6ec3f16059f'
$licenseFilter = "ApplicationID='55c92734-d682-4d71-983e-d6ec3f16059f' AND PartialProductKey IS NOT NULL"
# Only the intrinsic KVP items the console reads travel back: a host's answer stays small over slow links.
$wantedIntrinsicItems = @('OSName', 'OSVersion', 'OSBuildNumber', 'OSEditionId', 'ProductType', 'NetworkAddressIPv4')
# Data Exchange is found by its ID: its display name is localized.
$kvpServiceId = '2A34B1C2-FD73-4043-8A5B-DD2159BC743F'

# A KVP item is an embedded CIM-XML instance of Msvm_KvpExchangeDataItem, written by the host's provider.
# Only its Name and Data travel back, as one JSON object per VM: about a third of the answer's size, and the
# console parses no XML. The XML is read without DTDs or external resources; an item that is not well-formed
# is skipped, so one bad item cannot hide the others.
$kvpReaderSettings = New-Object -TypeName 'System.Xml.XmlReaderSettings'
$kvpReaderSettings.DtdProcessing = [System.Xml.DtdProcessing]::Prohibit
$kvpReaderSettings.XmlResolver = $null
function ConvertTo-KvpData {
    param($Items, [string[]]$Wanted)
    $data = [ordered]@{}
    foreach ($item in @($Items | Where-Object { $_ })) {
        $instance = New-Object -TypeName 'System.Xml.XmlDocument'
        $instance.XmlResolver = $null
        try {
            $reader = [System.Xml.XmlReader]::Create((New-Object -TypeName 'System.IO.StringReader' -ArgumentList @([string]$item)), $kvpReaderSettings)
            $instance.Load($reader)
        } catch { continue }
        $name = $instance.SelectSingleNode("/INSTANCE/PROPERTY[@NAME='Name']/VALUE")
        if (-not $name) { continue }
        if ($Wanted -and ($name.InnerText -notin $Wanted)) { continue }
        $value = $instance.SelectSingleNode("/INSTANCE/PROPERTY[@NAME='Data']/VALUE")
        $text = ''
        if ($value) { $text = $value.InnerText }
        $data[$name.InnerText] = $text
    }
    $data
}

function Get-LicenseFacts {
    @(Get-CimInstance -ClassName 'SoftwareLicensingProduct' -Filter $licenseFilter | ForEach-Object {
        [ordered]@{
            Name                  = $_.Name
            Description           = $_.Description
            LicenseStatus         = $_.LicenseStatus
            PartialProductKey     = $_.PartialProductKey
            GracePeriodRemaining  = $_.GracePeriodRemaining
        }
    })
}

$os = Get-CimInstance -ClassName 'Win32_OperatingSystem'
$installationType = $null
try {
    $installationType = (Get-ItemProperty -Path 'HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion' -Name 'InstallationType').InstallationType
} catch { $installationType = $null }

$hyperv = 'Unknown'
try { $hyperv = [string](Get-WindowsFeature -Name 'Hyper-V').InstallState } catch { $hyperv = 'Unknown' }

$cluster = $null
if (Get-Command -Name 'Get-Cluster' -ErrorAction SilentlyContinue) {
    try {
        $clusterObject = Get-Cluster
        $cluster = [ordered]@{
            Name   = [string]$clusterObject.Name
            Nodes  = @(Get-ClusterNode | ForEach-Object { [ordered]@{ Name = [string]$_.Name; State = [string]$_.State } })
            Groups = @(Get-ClusterGroup | Where-Object { [string]$_.GroupType -eq 'VirtualMachine' } | ForEach-Object {
                [ordered]@{ Name = [string]$_.Name; OwnerNode = [string]$_.OwnerNode; State = [string]$_.State }
            })
        }
    } catch { $cluster = $null }
}

$guestCredential = $null
if ($params.guest_credential) {
    $secret = ConvertTo-SecureString -String $params.guest_credential.password -AsPlainText -Force
    $guestCredential = New-Object -TypeName 'System.Management.Automation.PSCredential' -ArgumentList @($params.guest_credential.username, $secret)
}

# Runs inside each guest (PowerShell Direct). It sees none of this script's variables: what it needs comes as
# arguments. It emits the licence and then every event 12309 as separate objects, since remoting serializes
# only one level deep.
$guestProbe = {
    param([string]$Since, [int]$MaxEvents)
    $ErrorActionPreference = 'Stop'
    $ProgressPreference = 'SilentlyContinue'
    $filter = "ApplicationID='55c92734-d682-4d71-983e-d6ec3f16059f' AND PartialProductKey IS NOT NULL"
    $product = Get-CimInstance -ClassName 'SoftwareLicensingProduct' -Filter $filter | Select-Object -First 1
    $guestOs = Get-CimInstance -ClassName 'Win32_OperatingSystem'
    $lastActivation = $null
    if ($product.AutomaticVMActivationLastActivationTime) {
        $lastActivation = $product.AutomaticVMActivationLastActivationTime.ToUniversalTime().ToString('o')
    }
    [pscustomobject]@{
        Kind                                    = 'License'
        Caption                                 = $guestOs.Caption
        BuildNumber                             = $guestOs.BuildNumber
        OperatingSystemSKU                      = $guestOs.OperatingSystemSKU
        ProductType                             = $guestOs.ProductType
        LicenseStatus                           = $product.LicenseStatus
        Description                             = $product.Description
        PartialProductKey                       = $product.PartialProductKey
        ProductKeyChannel                       = $product.ProductKeyChannel
        GracePeriodRemaining                    = $product.GracePeriodRemaining
        AutomaticVMActivationHostMachineName    = $product.AutomaticVMActivationHostMachineName
        AutomaticVMActivationHostDigitalPid2    = $product.AutomaticVMActivationHostDigitalPid2
        AutomaticVMActivationLastActivationTime = $lastActivation
    }
    $eventFilter = @{ LogName = 'Application'; Id = 12309 }
    if ($Since) {
        $eventFilter['StartTime'] = [datetime]::Parse($Since, [System.Globalization.CultureInfo]::InvariantCulture, [System.Globalization.DateTimeStyles]::RoundtripKind)
    }
    Get-WinEvent -FilterHashtable $eventFilter -MaxEvents $MaxEvents -ErrorAction SilentlyContinue | ForEach-Object {
        [pscustomobject]@{
            Kind        = 'Event'
            RecordId    = $_.RecordId
            TimeCreated = $_.TimeCreated.ToUniversalTime().ToString('o')
            Id          = $_.Id
            MachineName = $_.MachineName
            Message     = $_.Message
            Properties  = @($_.Properties | ForEach-Object { [string]$_.Value })
        }
    }
}

$vms = @()
if ($hyperv -eq 'Installed') {
    $kvpComponents = @{}
    Get-CimInstance -Namespace 'root\virtualization\v2' -ClassName 'Msvm_KvpExchangeComponent' | ForEach-Object {
        $kvpComponents[[string]$_.SystemName] = $_
    }
    foreach ($vm in @(Get-VM)) {
        $kvpService = Get-VMIntegrationService -VM $vm | Where-Object { $_.Id -match $kvpServiceId } | Select-Object -First 1
        $component = $kvpComponents[([string]$vm.Id).ToUpperInvariant()]
        $guest = $null
        $guestEvents = @()
        $guestError = $null
        if ($guestCredential -and [string]$vm.State -eq 'Running') {
            # Per guest: only the events since the newest one the console stored (its watermark), like 12310.
            $guestSince = $null
            if ($params.guest_since) { $guestSince = $params.guest_since.(([string]$vm.Id).ToUpperInvariant()) }
            try {
                $answer = @(Invoke-Command -VMId $vm.Id -Credential $guestCredential -ScriptBlock $guestProbe -ArgumentList @($guestSince, [int]$params.max_events))
                $guest = $answer | Where-Object { $_.Kind -eq 'License' } | Select-Object -First 1
                $guestEvents = @($answer | Where-Object { $_.Kind -eq 'Event' } | Select-Object -Property 'RecordId', 'TimeCreated', 'Id', 'MachineName', 'Message', 'Properties')
            } catch { $guestError = $_.Exception.Message }
        }
        $vms += [ordered]@{
            Name           = $vm.Name
            Id             = [string]$vm.Id
            State          = $vm.State
            Kvp            = [ordered]@{
                Enabled                    = $kvpService.Enabled
                PrimaryStatusDescription   = $kvpService.PrimaryStatusDescription
                SecondaryStatusDescription = $kvpService.SecondaryStatusDescription
            }
            IntrinsicItems = ConvertTo-KvpData -Items $component.GuestIntrinsicExchangeItems -Wanted $wantedIntrinsicItems
            GuestItems     = ConvertTo-KvpData -Items $component.GuestExchangeItems
            Guest          = $guest
            GuestEvents    = $guestEvents
            GuestError     = $guestError
        }
    }
}

$eventFilter = @{ LogName = 'Application'; Id = 12310 }
if ($params.since) {
    $eventFilter['StartTime'] = [datetime]::Parse($params.since, [System.Globalization.CultureInfo]::InvariantCulture, [System.Globalization.DateTimeStyles]::RoundtripKind)
}
$events = @(Get-WinEvent -FilterHashtable $eventFilter -MaxEvents ([int]$params.max_events) -ErrorAction SilentlyContinue | ForEach-Object {
    [ordered]@{
        RecordId     = $_.RecordId
        TimeCreated  = $_.TimeCreated
        Id           = $_.Id
        ProviderName = $_.ProviderName
        MachineName  = $_.MachineName
        Message      = $_.Message
        Properties   = @($_.Properties | ForEach-Object { [string]$_.Value })
    }
})

[ordered]@{
    Schema           = 1
    ComputerName     = $env:COMPUTERNAME
    OperatingSystem  = [ordered]@{
        Caption            = $os.Caption
        Version            = $os.Version
        BuildNumber        = $os.BuildNumber
        OperatingSystemSKU = $os.OperatingSystemSKU
        ProductType        = $os.ProductType
        InstallationType   = $installationType
    }
    HyperV           = $hyperv
    Licensing        = Get-LicenseFacts
    Cluster          = $cluster
    VirtualMachines  = $vms
    Events           = $events
} | ConvertTo-Json -Depth 6 -Compress
