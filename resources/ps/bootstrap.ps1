# Sent as -EncodedCommand. Reads the real script and its parameter blob from stdin, so scripts of any length
# fit past cmd.exe's 8191-character command-line limit and no value ever becomes part of a command line.
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$payload = [Console]::In.ReadToEnd() -split "`r?`n"
$scriptText = [System.Text.Encoding]::UTF8.GetString([System.Convert]::FromBase64String($payload[0]))
$block = [System.Management.Automation.ScriptBlock]::Create($scriptText)
& $block -ParamBlob $payload[1]
