<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de" sourcelanguage="en">
<context>
    <name>App</name>
    <message>
        <source>Unexpected error: {error}</source>
        <translation>Unerwarteter Fehler: {error}</translation>
    </message>
</context>
<context>
    <name>ConfirmDialog</name>
    <message>
        <source>{action} — confirm</source>
        <translation>{action} – bestätigen</translation>
    </message>
    <message>
        <source>Override refusals</source>
        <translation>Ablehnungen übergehen</translation>
    </message>
    <message>
        <source>Act on refused VMs too, where every reason may be overridden; the others stay refused.</source>
        <translation>Auch abgelehnte VMs bearbeiten, sofern jeder Grund übergangen werden darf; die übrigen bleiben abgelehnt.</translation>
    </message>
    <message>
        <source>Plan</source>
        <translation>Plan</translation>
    </message>
    <message>
        <source>VM</source>
        <translation>VM</translation>
    </message>
    <message>
        <source>Host</source>
        <translation>Host</translation>
    </message>
    <message>
        <source>Refusals and notes</source>
        <translation>Ablehnungen und Hinweise</translation>
    </message>
    <message>
        <source>Override is on for {count} VM(s): the console acts although it expects AVMA to fail there (Windows decides). Refusals that cannot be overridden stay refused. Your override is recorded in the audit log with every attempt.</source>
        <translation>Übergehen ist für {count} VM(s) aktiv: Die Konsole handelt, obwohl sie dort ein Scheitern von AVMA erwartet (Windows entscheidet). Nicht übergehbare Ablehnungen bleiben bestehen. Ihr Übergehen wird mit jedem Versuch im Überwachungsprotokoll festgehalten.</translation>
    </message>
    <message>
        <source>Fix the guest address: {error}</source>
        <translation>Gastadresse korrigieren: {error}</translation>
    </message>
    <message>
        <source>Enter the guest account&apos;s password: it is used inside the guests.</source>
        <translation>Kennwort des Gastkontos eingeben: Es wird in den Gästen verwendet.</translation>
    </message>
    <message>
        <source>The plan is shown again once the input above is valid.</source>
        <translation>Der Plan wird wieder angezeigt, sobald die Eingabe oben gültig ist.</translation>
    </message>
    <message>
        <source>{run} of {total} VM(s) will be changed; {refused} refused (reasons in the last column).</source>
        <translation>{run} von {total} VM(s) werden geändert; {refused} abgelehnt (Gründe in der letzten Spalte).</translation>
    </message>
    <message>
        <source>Will run</source>
        <translation>Wird ausgeführt</translation>
    </message>
    <message>
        <source>Override</source>
        <translation>Übergehen</translation>
    </message>
    <message>
        <source>Refused</source>
        <translation>Abgelehnt</translation>
    </message>
    <message>
        <source> (cannot be overridden)</source>
        <translation> (nicht übergehbar)</translation>
    </message>
</context>
<context>
    <name>ConnectionsDialog</name>
    <message>
        <source>Connections</source>
        <translation>Verbindungen</translation>
    </message>
    <message>
        <source>Add host</source>
        <translation>Host hinzufügen</translation>
    </message>
    <message>
        <source>Add cluster</source>
        <translation>Cluster hinzufügen</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>Entfernen</translation>
    </message>
    <message>
        <source>Import TOML…</source>
        <translation>TOML importieren…</translation>
    </message>
    <message>
        <source>Export TOML…</source>
        <translation>TOML exportieren…</translation>
    </message>
    <message>
        <source>Host</source>
        <translation>Host</translation>
    </message>
    <message>
        <source>Cluster (any node; the others are discovered)</source>
        <translation>Cluster (ein beliebiger Knoten; die übrigen werden ermittelt)</translation>
    </message>
    <message>
        <source>optional: IP address or another name to connect to</source>
        <translation>optional: IP-Adresse oder anderer Name für die Verbindung</translation>
    </message>
    <message>
        <source>standard (5986 https, 5985 http)</source>
        <translation>Standard (5986 https, 5985 http)</translation>
    </message>
    <message>
        <source>system certificate authorities</source>
        <translation>Zertifizierungsstellen des Systems</translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation>Durchsuchen…</translation>
    </message>
    <message>
        <source>OS keyring</source>
        <translation>Schlüsselbund des Systems</translation>
    </message>
    <message>
        <source>Ask each time</source>
        <translation>Jedes Mal fragen</translation>
    </message>
    <message>
        <source>Environment variable</source>
        <translation>Umgebungsvariable</translation>
    </message>
    <message>
        <source>only needed to store it or to test</source>
        <translation>nur zum Speichern oder Testen nötig</translation>
    </message>
    <message>
        <source>Save password in OS keyring</source>
        <translation>Kennwort im Schlüsselbund des Systems speichern</translation>
    </message>
    <message>
        <source>Allow insecure connection (plain HTTP without encryption)</source>
        <translation>Unsichere Verbindung zulassen (HTTP ohne Verschlüsselung)</translation>
    </message>
    <message>
        <source>⚠ Credentials and data may travel unprotected. Use this only in an isolated lab; the console shows a warning banner while such an endpoint is in the inventory.</source>
        <translation>⚠ Anmeldeinformationen und Daten werden womöglich ungeschützt übertragen. Nur in einem isolierten Labor verwenden; solange ein solcher Endpunkt im Inventar steht, zeigt die Konsole ein Warnbanner.</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>Art</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>Adresse</translation>
    </message>
    <message>
        <source>Transport</source>
        <translation>Transport</translation>
    </message>
    <message>
        <source>Scheme</source>
        <translation>Schema</translation>
    </message>
    <message>
        <source>Port</source>
        <translation>Port</translation>
    </message>
    <message>
        <source>TLS CA bundle</source>
        <translation>TLS-Zertifizierungsstellen (CA-Bundle)</translation>
    </message>
    <message>
        <source>Username</source>
        <translation>Benutzername</translation>
    </message>
    <message>
        <source>Password from</source>
        <translation>Kennwort aus</translation>
    </message>
    <message>
        <source>Variable</source>
        <translation>Variable</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>Kennwort</translation>
    </message>
    <message>
        <source>Test connection</source>
        <translation>Verbindung testen</translation>
    </message>
    <message>
        <source>Guest credentials (every host)</source>
        <translation>Gastanmeldeinformationen (alle Hosts)</translation>
    </message>
    <message>
        <source>e.g. Administrator (empty: read guests from the host side only)</source>
        <translation>z. B. Administrator (leer: Gäste nur von der Hostseite lesen)</translation>
    </message>
    <message>
        <source>stored in the OS keyring; empty keeps the stored one</source>
        <translation>im Schlüsselbund des Systems gespeichert; leer behält das gespeicherte</translation>
    </message>
    <message>
        <source>A local administrator of the guests. Scans use it through PowerShell Direct from each host to read the guest&apos;s own licence and its events 12309; it is never sent to an address a guest reports.</source>
        <translation>Ein lokaler Administrator der Gäste. Scans verwenden ihn über PowerShell Direct von jedem Host aus, um die eigene Lizenz des Gasts und seine Ereignisse 12309 zu lesen; er wird nie an eine Adresse gesendet, die ein Gast meldet.</translation>
    </message>
    <message>
        <source>Guest user</source>
        <translation>Gastbenutzer</translation>
    </message>
    <message>
        <source>PEM certificates (*.pem *.crt *.cer);;All files (*)</source>
        <translation>PEM-Zertifikate (*.pem *.crt *.cer);;Alle Dateien (*)</translation>
    </message>
    <message>
        <source>Import inventory</source>
        <translation>Inventar importieren</translation>
    </message>
    <message>
        <source>Inventory (*.toml)</source>
        <translation>Inventar (*.toml)</translation>
    </message>
    <message>
        <source>Export inventory</source>
        <translation>Inventar exportieren</translation>
    </message>
    <message>
        <source>Connecting…</source>
        <translation>Verbindung wird hergestellt…</translation>
    </message>
    <message>
        <source>Not tested: {error}</source>
        <translation>Nicht getestet: {error}</translation>
    </message>
    <message>
        <source>Enter the password above to test this connection.</source>
        <translation>Kennwort oben eingeben, um diese Verbindung zu testen.</translation>
    </message>
    <message>
        <source>No password: {error}</source>
        <translation>Kein Kennwort: {error}</translation>
    </message>
    <message>
        <source>Failed: {error}
What to do: {fix}</source>
        <translation>Fehlgeschlagen: {error}
Abhilfe: {fix}</translation>
    </message>
    <message>
        <source>unknown version</source>
        <translation>unbekannte Version</translation>
    </message>
    <message>
        <source>OK: {name} runs {version} {edition}; Hyper-V {hyperv}; {vms} VMs.</source>
        <translation>OK: {name} läuft mit {version} {edition}; Hyper-V {hyperv}; {vms} VMs.</translation>
    </message>
    <message>
        <source>installed</source>
        <translation>installiert</translation>
    </message>
    <message>
        <source>not installed</source>
        <translation>nicht installiert</translation>
    </message>
    <message>
        <source>Password not saved</source>
        <translation>Kennwort nicht gespeichert</translation>
    </message>
</context>
<context>
    <name>DetailPane</name>
    <message>
        <source>Copy AVMA key</source>
        <translation>AVMA-Schlüssel kopieren</translation>
    </message>
    <message>
        <source>Copy name</source>
        <translation>Namen kopieren</translation>
    </message>
    <message>
        <source>Rescan host</source>
        <translation>Host erneut scannen</translation>
    </message>
    <message>
        <source>Push AVMA key…</source>
        <translation>AVMA-Schlüssel installieren…</translation>
    </message>
    <message>
        <source>Install the AVMA key in the selected VMs, after confirming the plan</source>
        <translation>Den AVMA-Schlüssel in den ausgewählten VMs installieren, nachdem Sie den Plan bestätigt haben</translation>
    </message>
    <message>
        <source>Enable Data Exchange…</source>
        <translation>Datenaustausch aktivieren…</translation>
    </message>
    <message>
        <source>Clean up KVP data…</source>
        <translation>KVP-Daten bereinigen…</translation>
    </message>
    <message>
        <source>Findings</source>
        <translation>Befunde</translation>
    </message>
    <message>
        <source>Facts</source>
        <translation>Fakten</translation>
    </message>
    <message>
        <source>Recent AVMA events</source>
        <translation>Letzte AVMA-Ereignisse</translation>
    </message>
    <message>
        <source>Select a cluster, host or VM to see its activation details.</source>
        <translation>Cluster, Host oder VM auswählen, um Details zur Aktivierung zu sehen.</translation>
    </message>
    <message>
        <source>No findings: nothing stands in the way of AVMA here.</source>
        <translation>Keine Befunde: Hier steht AVMA nichts im Weg.</translation>
    </message>
    <message>
        <source>Copy the AVMA key for this guest&apos;s version and edition</source>
        <translation>Den AVMA-Schlüssel für Version und Edition dieses Gasts kopieren</translation>
    </message>
    <message>
        <source>AVMA has no key for this guest&apos;s version and edition</source>
        <translation>AVMA hat keinen Schlüssel für Version und Edition dieses Gasts</translation>
    </message>
    <message>
        <source>Rescan cluster</source>
        <translation>Cluster erneut scannen</translation>
    </message>
    <message>
        <source>Data Exchange is enabled on this VM already</source>
        <translation>Der Datenaustausch ist auf dieser VM bereits aktiviert</translation>
    </message>
    <message>
        <source>Enable the Data Exchange integration service (AVMA needs it)</source>
        <translation>Den Integrationsdienst „Datenaustausch“ aktivieren (AVMA benötigt ihn)</translation>
    </message>
    <message>
        <source>Remove stale AVMA KVP data after the AVMA key was replaced by another channel&apos;s key</source>
        <translation>Veraltete AVMA-KVP-Daten entfernen, nachdem der AVMA-Schlüssel durch den Schlüssel eines anderen Kanals ersetzt wurde</translation>
    </message>
</context>
<context>
    <name>Details</name>
    <message>
        <source>Unlicensed</source>
        <translation>Nicht lizenziert</translation>
    </message>
    <message>
        <source>Licensed</source>
        <translation>Lizenziert</translation>
    </message>
    <message>
        <source>Out-of-box grace period</source>
        <translation>Anfänglicher Toleranzzeitraum (OOB)</translation>
    </message>
    <message>
        <source>Out-of-tolerance grace period</source>
        <translation>Toleranzzeitraum wegen Hardwareänderung (OOT)</translation>
    </message>
    <message>
        <source>Non-genuine grace period</source>
        <translation>Toleranzzeitraum (nicht echt)</translation>
    </message>
    <message>
        <source>Notification (not activated)</source>
        <translation>Benachrichtigungsmodus (nicht aktiviert)</translation>
    </message>
    <message>
        <source>Extended grace period</source>
        <translation>Verlängerter Toleranzzeitraum</translation>
    </message>
    <message>
        <source>Inferred from the host (events 12310, Data Exchange): scan with guest credentials (Connections &gt; Guest credentials) to read the guest&apos;s own licence</source>
        <translation>Vom Host abgeleitet (Ereignisse 12310, Datenaustausch): Scannen Sie mit Gastanmeldeinformationen (Verbindungen &gt; Gastanmeldeinformationen), um die eigene Lizenz des Gasts zu lesen</translation>
    </message>
    <message>
        <source>unknown</source>
        <translation>unbekannt</translation>
    </message>
    <message>
        <source>never / unknown</source>
        <translation>nie / unbekannt</translation>
    </message>
    <message>
        <source>no outcome</source>
        <translation>kein Ergebnis</translation>
    </message>
    <message>
        <source>enabled</source>
        <translation>aktiviert</translation>
    </message>
    <message>
        <source>Guest-verified: its own licence was read inside the guest (PowerShell Direct)</source>
        <translation>Im Gast geprüft: Seine eigene Lizenz wurde im Gast gelesen (PowerShell Direct)</translation>
    </message>
    <message>
        <source>Inferred from the host: the guest could not be read (see Guest access below)</source>
        <translation>Vom Host abgeleitet: Der Gast konnte nicht gelesen werden (siehe Gastzugriff unten)</translation>
    </message>
    <message>
        <source>Inferred from the host: the VM is not running</source>
        <translation>Vom Host abgeleitet: Die VM läuft nicht</translation>
    </message>
    <message>
        <source>Standalone hosts</source>
        <translation>Eigenständige Hosts</translation>
    </message>
    <message>
        <source>yes</source>
        <translation>ja</translation>
    </message>
    <message>
        <source>no</source>
        <translation>nein</translation>
    </message>
    <message>
        <source>disabled</source>
        <translation>deaktiviert</translation>
    </message>
    <message>
        <source>Verified</source>
        <translation>Geprüft</translation>
    </message>
    <message>
        <source>Host</source>
        <translation>Host</translation>
    </message>
    <message>
        <source>Guest OS</source>
        <translation>Gastbetriebssystem</translation>
    </message>
    <message>
        <source>Guest version</source>
        <translation>Gastversion</translation>
    </message>
    <message>
        <source>Guest edition</source>
        <translation>Gastedition</translation>
    </message>
    <message>
        <source>Host version</source>
        <translation>Hostversion</translation>
    </message>
    <message>
        <source>Host edition</source>
        <translation>Hostedition</translation>
    </message>
    <message>
        <source>Host activated</source>
        <translation>Host aktiviert</translation>
    </message>
    <message>
        <source>Hyper-V role</source>
        <translation>Hyper-V-Rolle</translation>
    </message>
    <message>
        <source>Power state</source>
        <translation>Betriebszustand</translation>
    </message>
    <message>
        <source>Data Exchange</source>
        <translation>Datenaustausch</translation>
    </message>
    <message>
        <source>Licence status</source>
        <translation>Lizenzstatus</translation>
    </message>
    <message>
        <source>Key channel</source>
        <translation>Schlüsselkanal</translation>
    </message>
    <message>
        <source>Partial key</source>
        <translation>Teil-Product Key</translation>
    </message>
    <message>
        <source>AVMA host (guest&apos;s view)</source>
        <translation>AVMA-Host (Sicht des Gasts)</translation>
    </message>
    <message>
        <source>Last activation</source>
        <translation>Letzte Aktivierung</translation>
    </message>
    <message>
        <source>State source</source>
        <translation>Quelle des Status</translation>
    </message>
    <message>
        <source>VM ID</source>
        <translation>VM-ID</translation>
    </message>
    <message>
        <source>Hyper-V host</source>
        <translation>Hyper-V-Host</translation>
    </message>
    <message>
        <source>Hosts</source>
        <translation>Hosts</translation>
    </message>
    <message>
        <source>VMs</source>
        <translation>VMs</translation>
    </message>
    <message>
        <source>VM states</source>
        <translation>VM-Status</translation>
    </message>
    <message>
        <source>Unreachable hosts</source>
        <translation>Nicht erreichbare Hosts</translation>
    </message>
    <message>
        <source>unknown (no guest access)</source>
        <translation>unbekannt (kein Gastzugriff)</translation>
    </message>
    <message>
        <source>Guest access</source>
        <translation>Gastzugriff</translation>
    </message>
    <message>
        <source>To read the guest</source>
        <translation>Um den Gast zu lesen</translation>
    </message>
    <message>
        <source>read inside the guest (PowerShell Direct / WinRM)</source>
        <translation>im Gast gelesen (PowerShell Direct / WinRM)</translation>
    </message>
    <message>
        <source>host events 12310</source>
        <translation>Hostereignisse 12310</translation>
    </message>
    <message>
        <source>no evidence</source>
        <translation>keine Nachweise</translation>
    </message>
    <message>
        <source>Problem</source>
        <translation>Problem</translation>
    </message>
    <message>
        <source>What to do</source>
        <translation>Abhilfe</translation>
    </message>
    <message>
        <source>Error kind</source>
        <translation>Fehlerart</translation>
    </message>
    <message>
        <source>Endpoint</source>
        <translation>Endpunkt</translation>
    </message>
    <message>
        <source>Version</source>
        <translation>Version</translation>
    </message>
    <message>
        <source>Edition</source>
        <translation>Edition</translation>
    </message>
    <message>
        <source>Build</source>
        <translation>Build</translation>
    </message>
    <message>
        <source>Activated</source>
        <translation>Aktiviert</translation>
    </message>
    <message>
        <source>Can activate guests (AVMA)</source>
        <translation>Kann Gäste aktivieren (AVMA)</translation>
    </message>
    <message>
        <source>AVMA readiness</source>
        <translation>AVMA-Bereitschaft</translation>
    </message>
    <message>
        <source>Cluster</source>
        <translation>Cluster</translation>
    </message>
    <message>
        <source>Nodes</source>
        <translation>Knoten</translation>
    </message>
    <message>
        <source>Readiness</source>
        <translation>Bereitschaft</translation>
    </message>
    <message>
        <source>Hosts outside any cluster</source>
        <translation>Hosts außerhalb eines Clusters</translation>
    </message>
    <message>
        <source>Failover cluster</source>
        <translation>Failovercluster</translation>
    </message>
    <message>
        <source>running</source>
        <translation>wird ausgeführt</translation>
    </message>
    <message>
        <source>off</source>
        <translation>aus</translation>
    </message>
    <message>
        <source>Virtual machine on {host}</source>
        <translation>Virtueller Computer auf {host}</translation>
    </message>
    <message>
        <source>LicenseStatus {value}</source>
        <translation>LicenseStatus {value}</translation>
    </message>
    <message>
        <source>{days} days of grace left</source>
        <translation>noch {days} Tage Toleranzzeitraum</translation>
    </message>
    <message>
        <source>standalone</source>
        <translation>eigenständig</translation>
    </message>
    <message>
        <source>every node is ready</source>
        <translation>jeder Knoten ist bereit</translation>
    </message>
    <message>
        <source>cluster</source>
        <translation>Cluster</translation>
    </message>
</context>
<context>
    <name>ErrorCodes</name>
    <message>
        <source>The AVMA request limit was reached (throttled); it retries later</source>
        <translation>Das Limit für AVMA-Anforderungen wurde erreicht (gedrosselt); es wird später erneut versucht</translation>
    </message>
    <message>
        <source>Not running on a supported Hyper-V platform</source>
        <translation>Keine unterstützte Hyper-V-Plattform</translation>
    </message>
    <message>
        <source>Windows isn&apos;t activated on the host</source>
        <translation>Windows ist auf dem Host nicht aktiviert</translation>
    </message>
    <message>
        <source>The host can&apos;t activate this edition or version (AVMA ID mismatch)</source>
        <translation>Der Host kann diese Edition oder Version nicht aktivieren (AVMA-ID stimmt nicht überein)</translation>
    </message>
    <message>
        <source>Windows isn&apos;t activated (machine not bound)</source>
        <translation>Windows ist nicht aktiviert (Computer nicht gebunden)</translation>
    </message>
</context>
<context>
    <name>ErrorKind</name>
    <message>
        <source>name not found</source>
        <translation>Name nicht gefunden</translation>
    </message>
    <message>
        <source>refused</source>
        <translation>abgewiesen</translation>
    </message>
    <message>
        <source>timeout</source>
        <translation>Zeitüberschreitung</translation>
    </message>
    <message>
        <source>sign-in failed</source>
        <translation>Anmeldung fehlgeschlagen</translation>
    </message>
    <message>
        <source>certificate problem</source>
        <translation>Zertifikatproblem</translation>
    </message>
    <message>
        <source>insecure</source>
        <translation>unsicher</translation>
    </message>
    <message>
        <source>HTTP error</source>
        <translation>HTTP-Fehler</translation>
    </message>
    <message>
        <source>WinRM fault</source>
        <translation>WinRM-Fehler</translation>
    </message>
    <message>
        <source>protocol</source>
        <translation>Protokoll</translation>
    </message>
    <message>
        <source>script failed</source>
        <translation>Skript fehlgeschlagen</translation>
    </message>
    <message>
        <source>unreadable answer</source>
        <translation>unlesbare Antwort</translation>
    </message>
    <message>
        <source>WinRM limit</source>
        <translation>WinRM-Limit</translation>
    </message>
    <message>
        <source>no password</source>
        <translation>kein Kennwort</translation>
    </message>
    <message>
        <source>cancelled</source>
        <translation>abgebrochen</translation>
    </message>
    <message>
        <source>internal error</source>
        <translation>interner Fehler</translation>
    </message>
</context>
<context>
    <name>EventViewer</name>
    <message>
        <source>Time</source>
        <translation>Zeit</translation>
    </message>
    <message>
        <source>Event</source>
        <translation>Ereignis</translation>
    </message>
    <message>
        <source>Host</source>
        <translation>Host</translation>
    </message>
    <message>
        <source>VM</source>
        <translation>VM</translation>
    </message>
    <message>
        <source>Outcome</source>
        <translation>Ergebnis</translation>
    </message>
    <message>
        <source>Code</source>
        <translation>Code</translation>
    </message>
    <message>
        <source>Message</source>
        <translation>Meldung</translation>
    </message>
    <message>
        <source>All outcomes</source>
        <translation>Alle Ergebnisse</translation>
    </message>
    <message>
        <source>Successes</source>
        <translation>Erfolge</translation>
    </message>
    <message>
        <source>Failures (any)</source>
        <translation>Fehlschläge (alle)</translation>
    </message>
    <message>
        <source>Invalid host</source>
        <translation>Ungültiger Host</translation>
    </message>
    <message>
        <source>Invalid data</source>
        <translation>Ungültige Daten</translation>
    </message>
    <message>
        <source>Activation denied</source>
        <translation>Aktivierung verweigert</translation>
    </message>
    <message>
        <source>No result</source>
        <translation>Kein Ergebnis</translation>
    </message>
    <message>
        <source>Last 24 hours</source>
        <translation>Letzte 24 Stunden</translation>
    </message>
    <message>
        <source>Last 7 days</source>
        <translation>Letzte 7 Tage</translation>
    </message>
    <message>
        <source>Last 30 days</source>
        <translation>Letzte 30 Tage</translation>
    </message>
    <message>
        <source>Last 12 months</source>
        <translation>Letzte 12 Monate</translation>
    </message>
    <message>
        <source>All recorded</source>
        <translation>Alles Aufgezeichnete</translation>
    </message>
    <message>
        <source>{id} host</source>
        <translation>{id} Host</translation>
    </message>
    <message>
        <source>{id} guest</source>
        <translation>{id} Gast</translation>
    </message>
    <message>
        <source>VM: {name}</source>
        <translation>VM: {name}</translation>
    </message>
    <message>
        <source>Whole fleet</source>
        <translation>Gesamte Flotte</translation>
    </message>
    <message>
        <source>Show the events of every host, whatever is selected</source>
        <translation>Die Ereignisse aller Hosts zeigen, unabhängig von der Auswahl</translation>
    </message>
    <message>
        <source>Host and guest events</source>
        <translation>Host- und Gastereignisse</translation>
    </message>
    <message>
        <source>Host 12310</source>
        <translation>Host 12310</translation>
    </message>
    <message>
        <source>Guest 12309</source>
        <translation>Gast 12309</translation>
    </message>
    <message>
        <source>Filter: host, VM, message, code</source>
        <translation>Filter: Host, VM, Meldung, Code</translation>
    </message>
    <message>
        <source>Export CSV…</source>
        <translation>CSV exportieren…</translation>
    </message>
    <message>
        <source>Save the shown events as CSV (safe to open in a spreadsheet)</source>
        <translation>Die angezeigten Ereignisse als CSV speichern (sicher in einer Tabellenkalkulation zu öffnen)</translation>
    </message>
    <message>
        <source>Reading the history…</source>
        <translation>Verlauf wird gelesen…</translation>
    </message>
    <message>
        <source>No AVMA events recorded for this selection in this period · history: {where}</source>
        <translation>Keine AVMA-Ereignisse für diese Auswahl in diesem Zeitraum · Verlauf: {where}</translation>
    </message>
    <message>
        <source>Export events</source>
        <translation>Ereignisse exportieren</translation>
    </message>
    <message>
        <source>CSV (*.csv)</source>
        <translation>CSV (*.csv)</translation>
    </message>
    <message>
        <source>{total} events · history: {where}</source>
        <translation>{total} Ereignisse · Verlauf: {where}</translation>
    </message>
    <message>
        <source>{shown} of {total} events shown · history: {where}</source>
        <translation>{shown} von {total} Ereignissen angezeigt · Verlauf: {where}</translation>
    </message>
    <message>
        <source>AVMA events: {scope}</source>
        <translation>AVMA-Ereignisse: {scope}</translation>
    </message>
    <message>
        <source>Exported {count} events to {path}</source>
        <translation>{count} Ereignisse nach {path} exportiert</translation>
    </message>
    <message>
        <source>The history could not be read: {error}</source>
        <translation>Der Verlauf konnte nicht gelesen werden: {error}</translation>
    </message>
    <message>
        <source>Export failed: {path}: {reason}; choose a writable folder</source>
        <translation>Export fehlgeschlagen: {path}: {reason}; wählen Sie einen beschreibbaren Ordner</translation>
    </message>
</context>
<context>
    <name>FindingFields</name>
    <message>
        <source>it runs {node_edition}</source>
        <translation>auf ihm läuft {node_edition}</translation>
    </message>
    <message>
        <source>convert it to Datacenter</source>
        <translation>konvertieren Sie ihn in Datacenter</translation>
    </message>
    <message>
        <source>it is not activated</source>
        <translation>er ist nicht aktiviert</translation>
    </message>
    <message>
        <source>activate it</source>
        <translation>aktivieren Sie ihn</translation>
    </message>
    <message>
        <source>it has no Hyper-V role</source>
        <translation>ihm fehlt die Hyper-V-Rolle</translation>
    </message>
    <message>
        <source>install Hyper-V</source>
        <translation>installieren Sie Hyper-V</translation>
    </message>
    <message>
        <source>it runs Windows Server {node_version}</source>
        <translation>auf ihm läuft Windows Server {node_version}</translation>
    </message>
    <message>
        <source>upgrade it to Windows Server {required_version} or later</source>
        <translation>aktualisieren Sie ihn auf Windows Server {required_version} oder höher</translation>
    </message>
    <message>
        <source>Windows Server {guest_versions} guests</source>
        <translation>Gäste mit Windows Server {guest_versions}</translation>
    </message>
    <message>
        <source>its guests</source>
        <translation>seine Gäste</translation>
    </message>
    <message>
        <source>any guest</source>
        <translation>Gäste jeder Version</translation>
    </message>
    <message>
        <source>Any VM in {cluster}</source>
        <translation>Jede VM in {cluster}</translation>
    </message>
    <message>
        <source>an unknown edition</source>
        <translation>(unbekannte Edition)</translation>
    </message>
    <message>
        <source>a desktop Windows</source>
        <translation>ein Desktop-Windows</translation>
    </message>
    <message>
        <source>no OS name reported</source>
        <translation>kein Betriebssystemname gemeldet</translation>
    </message>
    <message>
        <source>the AVMA key of Windows Server {key_version} {key_edition}</source>
        <translation>den AVMA-Schlüssel von Windows Server {key_version} {key_edition}</translation>
    </message>
    <message>
        <source>a KMS client key</source>
        <translation>einen KMS-Clientschlüssel</translation>
    </message>
    <message>
        <source>a MAK (volume) key</source>
        <translation>einen MAK-Schlüssel (Volumenlizenz)</translation>
    </message>
    <message>
        <source>a retail key</source>
        <translation>einen Retail-Schlüssel</translation>
    </message>
    <message>
        <source>an OEM key</source>
        <translation>einen OEM-Schlüssel</translation>
    </message>
    <message>
        <source>a key of an unknown channel</source>
        <translation>einen Schlüssel eines unbekannten Kanals</translation>
    </message>
    <message>
        <source>an AVMA key</source>
        <translation>einen AVMA-Schlüssel</translation>
    </message>
    <message>
        <source>Check that WinRM answers (Test-WSMan), the credentials and the certificate, then scan again.</source>
        <translation>Prüfen Sie, ob WinRM antwortet (Test-WSMan), sowie die Anmeldeinformationen und das Zertifikat, und scannen Sie dann erneut.</translation>
    </message>
</context>
<context>
    <name>Findings</name>
    <message>
        <source>{host} runs Windows Server {edition}; only Datacenter editions activate guests through AVMA.</source>
        <translation>Auf {host} läuft Windows Server {edition}; nur Datacenter-Editionen aktivieren Gäste über AVMA.</translation>
    </message>
    <message>
        <source>Move the VMs to an activated Datacenter host, or convert {host} to Datacenter (DISM /Online /Set-Edition:ServerDatacenter /ProductKey:&lt;Datacenter key&gt; /AcceptEula) and activate it.</source>
        <translation>Verschieben Sie die VMs auf einen aktivierten Datacenter-Host, oder konvertieren Sie {host} in Datacenter (DISM /Online /Set-Edition:ServerDatacenter /ProductKey:&lt;Datacenter-Product Key&gt; /AcceptEula) und aktivieren Sie ihn.</translation>
    </message>
    <message>
        <source>{host} runs {edition}, an evaluation edition, which cannot activate guests.</source>
        <translation>Auf {host} läuft {edition}, eine Evaluierungsedition, die keine Gäste aktivieren kann.</translation>
    </message>
    <message>
        <source>Convert {host} to a licensed edition (DISM /Online /Set-Edition:ServerDatacenter /ProductKey:&lt;your Datacenter key&gt; /AcceptEula), then activate it.</source>
        <translation>Konvertieren Sie {host} in eine lizenzierte Edition (DISM /Online /Set-Edition:ServerDatacenter /ProductKey:&lt;Ihr Datacenter-Product Key&gt; /AcceptEula) und aktivieren Sie ihn anschließend.</translation>
    </message>
    <message>
        <source>{host} is not activated, so it cannot activate its guests.</source>
        <translation>{host} ist nicht aktiviert und kann daher seine Gäste nicht aktivieren.</translation>
    </message>
    <message>
        <source>Activate {host} (slmgr /ato, or Settings &gt; Activation) and confirm with slmgr /dlv.</source>
        <translation>Aktivieren Sie {host} (slmgr /ato oder Einstellungen &gt; Aktivierung) und prüfen Sie es mit slmgr /dlv.</translation>
    </message>
    <message>
        <source>{host} does not have the Hyper-V role installed.</source>
        <translation>Auf {host} ist die Hyper-V-Rolle nicht installiert.</translation>
    </message>
    <message>
        <source>Install it (Install-WindowsFeature Hyper-V -IncludeManagementTools -Restart) or remove {host} from the inventory.</source>
        <translation>Installieren Sie sie (Install-WindowsFeature Hyper-V -IncludeManagementTools -Restart) oder entfernen Sie {host} aus dem Inventar.</translation>
    </message>
    <message>
        <source>{host} could not be queried: {reason}</source>
        <translation>{host} konnte nicht abgefragt werden: {reason}</translation>
    </message>
    <message>
        <source>{fix}</source>
        <translation>{fix}</translation>
    </message>
    <message>
        <source>{vm} runs Windows Server {guest_version}, newer than its host {host} (Windows Server {host_version}), which cannot activate it.</source>
        <translation>Auf {vm} läuft Windows Server {guest_version}, neuer als sein Host {host} (Windows Server {host_version}), der ihn daher nicht aktivieren kann.</translation>
    </message>
    <message>
        <source>Move {vm} to an activated Datacenter host running Windows Server {minimum_host} or later, or upgrade {host}.</source>
        <translation>Verschieben Sie {vm} auf einen aktivierten Datacenter-Host mit Windows Server {minimum_host} oder höher, oder aktualisieren Sie {host}.</translation>
    </message>
    <message>
        <source>{vm} runs {os}, not Windows Server; AVMA activates only Windows Server guests.</source>
        <translation>Auf {vm} läuft {os}, nicht Windows Server; AVMA aktiviert nur Windows Server-Gäste.</translation>
    </message>
    <message>
        <source>Activate {vm} through another channel (KMS, MAK or retail); AVMA cannot help here.</source>
        <translation>Aktivieren Sie {vm} über einen anderen Kanal (KMS, MAK oder Retail); AVMA hilft hier nicht.</translation>
    </message>
    <message>
        <source>The operating system of {vm} is not recognised ({os}); AVMA can only activate Windows Server 2012 R2 or later.</source>
        <translation>Das Betriebssystem von {vm} wurde nicht erkannt ({os}); AVMA aktiviert nur Windows Server 2012 R2 oder höher.</translation>
    </message>
    <message>
        <source>Check the guest&apos;s OS inside the VM; if it is Windows Server, update its integration services so it reports itself.</source>
        <translation>Prüfen Sie das Betriebssystem in der VM; ist es Windows Server, aktualisieren Sie seine Integrationsdienste, damit es sich meldet.</translation>
    </message>
    <message>
        <source>Data Exchange (Key-Value Pair Exchange) is disabled on {vm}; AVMA needs it.</source>
        <translation>Der Datenaustausch (Austausch von Schlüssel-Wert-Paaren) ist auf {vm} deaktiviert; AVMA benötigt ihn.</translation>
    </message>
    <message>
        <source>Enable Data Exchange for {vm} (console: Enable Data Exchange; or the VM&apos;s Settings &gt; Integration Services).</source>
        <translation>Aktivieren Sie den Datenaustausch für {vm} (Konsole: Datenaustausch aktivieren; oder Einstellungen der VM &gt; Integrationsdienste).</translation>
    </message>
    <message>
        <source>Data Exchange on {vm} reports &apos;{status}&apos;: the guest&apos;s integration services are not answering.</source>
        <translation>Der Datenaustausch auf {vm} meldet „{status}“: Die Integrationsdienste des Gasts antworten nicht.</translation>
    </message>
    <message>
        <source>Start the Hyper-V Data Exchange Service (vmickvpexchange) inside {vm}, or update its integration services.</source>
        <translation>Starten Sie den Hyper-V-Datenaustauschdienst (vmickvpexchange) in {vm} oder aktualisieren Sie seine Integrationsdienste.</translation>
    </message>
    <message>
        <source>{vm} carries {detail}, not the AVMA key for Windows Server {guest_version} {guest_edition}.</source>
        <translation>{vm} hat {detail}, nicht den AVMA-Schlüssel für Windows Server {guest_version} {guest_edition}.</translation>
    </message>
    <message>
        <source>To activate through AVMA, install {key} (console: Push AVMA key; or slmgr /ipk inside the guest).</source>
        <translation>Für die Aktivierung über AVMA installieren Sie {key} (Konsole: AVMA-Schlüssel installieren; oder slmgr /ipk im Gast).</translation>
    </message>
    <message>
        <source>{vm} carries {detail}; AVMA has no key for Windows Server {guest_version} {guest_edition}.</source>
        <translation>{vm} hat {detail}; AVMA hat keinen Schlüssel für Windows Server {guest_version} {guest_edition}.</translation>
    </message>
    <message>
        <source>Keep {vm} on its current licensing channel; AVMA cannot activate this edition.</source>
        <translation>Belassen Sie {vm} bei seinem bisherigen Lizenzierungskanal; AVMA kann diese Edition nicht aktivieren.</translation>
    </message>
    <message>
        <source>{vm} carries {detail}, not an AVMA key; its Windows version is not known, so neither is its AVMA key.</source>
        <translation>{vm} hat {detail}, keinen AVMA-Schlüssel; seine Windows-Version ist unbekannt und damit auch sein AVMA-Schlüssel.</translation>
    </message>
    <message>
        <source>Let the guest report its version (start it, enable Data Exchange or give guest credentials), then scan again.</source>
        <translation>Lassen Sie den Gast seine Version melden (starten, Datenaustausch aktivieren oder Gastanmeldeinformationen angeben) und scannen Sie erneut.</translation>
    </message>
    <message>
        <source>{vm} now carries {detail}, but AVMA data from its former AVMA key is still in its KVP exchange.</source>
        <translation>{vm} hat jetzt {detail}, doch AVMA-Daten seines früheren AVMA-Schlüssels stehen noch in seinem KVP-Austausch.</translation>
    </message>
    <message>
        <source>Remove the AVMA KVP data as Microsoft requires when an AVMA key is replaced (console: Clean up KVP data).</source>
        <translation>Entfernen Sie die AVMA-KVP-Daten, wie Microsoft es beim Ersetzen eines AVMA-Schlüssels verlangt (Konsole: KVP-Daten bereinigen).</translation>
    </message>
    <message>
        <source>{subject} may fail over to {node}, which cannot activate {guests}: {reason}.</source>
        <translation>{subject} kann per Failover auf {node} wechseln, der {guests} nicht aktivieren kann: {reason}.</translation>
    </message>
    <message>
        <source>Fix {node} ({fix}), or keep {subject} off it (Set-ClusterOwnerNode with the nodes that can activate it).</source>
        <translation>Beheben Sie das auf {node} ({fix}), oder halten Sie {subject} davon fern (Set-ClusterOwnerNode mit den Knoten, die aktivieren können).</translation>
    </message>
</context>
<context>
    <name>FleetModel</name>
    <message>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>State</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>Guest version</source>
        <translation>Gastversion</translation>
    </message>
    <message>
        <source>Host version</source>
        <translation>Hostversion</translation>
    </message>
    <message>
        <source>Edition</source>
        <translation>Edition</translation>
    </message>
    <message>
        <source>Data Exchange</source>
        <translation>Datenaustausch</translation>
    </message>
    <message>
        <source>Last activation</source>
        <translation>Letzte Aktivierung</translation>
    </message>
    <message>
        <source>{detail} edition</source>
        <translation>Edition {detail}</translation>
    </message>
    <message>
        <source>not activated</source>
        <translation>nicht aktiviert</translation>
    </message>
    <message>
        <source>no Hyper-V</source>
        <translation>kein Hyper-V</translation>
    </message>
    <message>
        <source>too old for {versions}</source>
        <translation>zu alt für {versions}</translation>
    </message>
    <message>
        <source>Datacenter edition</source>
        <translation>Datacenter-Edition</translation>
    </message>
    <message>
        <source>Activated</source>
        <translation>Aktiviert</translation>
    </message>
    <message>
        <source>Hyper-V role</source>
        <translation>Hyper-V-Rolle</translation>
    </message>
    <message>
        <source>Version activates every guest that may run here</source>
        <translation>Version aktiviert jeden Gast, der hier laufen kann</translation>
    </message>
    <message>
        <source>Enabled</source>
        <translation>Aktiviert</translation>
    </message>
    <message>
        <source>unknown</source>
        <translation>unbekannt</translation>
    </message>
    <message>
        <source>Disabled</source>
        <translation>Deaktiviert</translation>
    </message>
    <message>
        <source>client OS</source>
        <translation>Client-OS</translation>
    </message>
    <message>
        <source>Readiness not known</source>
        <translation>Bereitschaft unbekannt</translation>
    </message>
    <message>
        <source>Ready</source>
        <translation>Bereit</translation>
    </message>
    <message>
        <source>AVMA host readiness:</source>
        <translation>AVMA-Bereitschaft des Hosts:</translation>
    </message>
    <message>
        <source>Standalone hosts</source>
        <translation>Eigenständige Hosts</translation>
    </message>
    <message>
        <source>Not applicable (client OS)</source>
        <translation>Nicht zutreffend (Client-OS)</translation>
    </message>
    <message>
        <source>Not applicable</source>
        <translation>Nicht zutreffend</translation>
    </message>
    <message>
        <source>No VMs</source>
        <translation>Keine VMs</translation>
    </message>
    <message>
        <source>Not ready: {checks}</source>
        <translation>Nicht bereit: {checks}</translation>
    </message>
    <message>
        <source>{count} of {nodes} nodes cannot activate: {which}</source>
        <translation>{count} von {nodes} Knoten können nicht aktivieren: {which}</translation>
    </message>
    <message>
        <source>Enabled · {status}</source>
        <translation>Aktiviert · {status}</translation>
    </message>
    <message>
        <source>At risk on failover · {state}</source>
        <translation>Gefährdet bei Failover · {state}</translation>
    </message>
    <message>
        <source>n/a</source>
        <translation>k. A.</translation>
    </message>
    <message>
        <source>Cluster {name}</source>
        <translation>Cluster {name}</translation>
    </message>
    <message>
        <source>{count} hosts</source>
        <translation>{count} Hosts</translation>
    </message>
    <message>
        <source>{node} (any guest)</source>
        <translation>{node} (jeder Gast)</translation>
    </message>
    <message>
        <source>{node} ({versions})</source>
        <translation>{node} ({versions})</translation>
    </message>
    <message>
        <source>{count} VMs</source>
        <translation>{count} VMs</translation>
    </message>
    <message>
        <source>Nodes: {nodes}</source>
        <translation>Knoten: {nodes}</translation>
    </message>
    <message>
        <source>not reported</source>
        <translation>nicht gemeldet</translation>
    </message>
    <message>
        <source>Nodes that could not activate it: {nodes}</source>
        <translation>Knoten, die sie nicht aktivieren könnten: {nodes}</translation>
    </message>
    <message>
        <source>{host} could not be queried: {reason}</source>
        <translation>{host} konnte nicht abgefragt werden: {reason}</translation>
    </message>
</context>
<context>
    <name>GuestCredentialBox</name>
    <message>
        <source>Guest account (used inside the guests)</source>
        <translation>Gastkonto (wird in den Gästen verwendet)</translation>
    </message>
    <message>
        <source>needed to install keys</source>
        <translation>zum Installieren von Schlüsseln nötig</translation>
    </message>
    <message>
        <source>optional: without it only host-side items</source>
        <translation>optional: ohne es nur hostseitige Elemente</translation>
    </message>
    <message>
        <source>Save in the OS keyring (as USER@guests)</source>
        <translation>Im Schlüsselbund des Systems speichern (als BENUTZER@guests)</translation>
    </message>
    <message>
        <source>User</source>
        <translation>Benutzer</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>Kennwort</translation>
    </message>
    <message>
        <source>the demo lab</source>
        <translation>dem Demolabor</translation>
    </message>
    <message>
        <source>the scan settings</source>
        <translation>den Scaneinstellungen</translation>
    </message>
    <message>
        <source>Filled in from {source}.</source>
        <translation>Ausgefüllt aus {source}.</translation>
    </message>
    <message>
        <source>Filled in from the OS keyring.</source>
        <translation>Aus dem Schlüsselbund des Systems ausgefüllt.</translation>
    </message>
    <message>
        <source>The OS keyring could not be read: {problem}</source>
        <translation>Der Schlüsselbund des Systems konnte nicht gelesen werden: {problem}</translation>
    </message>
</context>
<context>
    <name>History</name>
    <message>
        <source>Scan not recorded in the history</source>
        <translation>Scan nicht im Verlauf aufgezeichnet</translation>
    </message>
    <message>
        <source>the history was not ready</source>
        <translation>der Verlauf war nicht bereit</translation>
    </message>
    <message>
        <source>{reason}. The scan&apos;s results are shown as usual; the next scan tries to record again.</source>
        <translation>{reason}. Die Ergebnisse des Scans werden wie gewohnt angezeigt; der nächste Scan versucht erneut aufzuzeichnen.</translation>
    </message>
    <message>
        <source>Whole fleet</source>
        <translation>Gesamte Flotte</translation>
    </message>
    <message>
        <source>Standalone hosts</source>
        <translation>Eigenständige Hosts</translation>
    </message>
    <message>
        <source>AVMA events</source>
        <translation>AVMA-Ereignisse</translation>
    </message>
    <message>
        <source>VM timeline</source>
        <translation>VM-Zeitachse</translation>
    </message>
    <message>
        <source>Reports…</source>
        <translation>Berichte…</translation>
    </message>
    <message>
        <source>Inventory, compliance (SPLA) and change reports as PDF, HTML or CSV</source>
        <translation>Inventar-, Compliance- (SPLA) und Änderungsberichte als PDF, HTML oder CSV</translation>
    </message>
    <message>
        <source>Record scans in the history</source>
        <translation>Scans im Verlauf aufzeichnen</translation>
    </message>
    <message>
        <source>History database…</source>
        <translation>Verlaufsdatenbank…</translation>
    </message>
    <message>
        <source>Where scans are recorded: a file or a PostgreSQL database</source>
        <translation>Wo Scans aufgezeichnet werden: eine Datei oder eine PostgreSQL-Datenbank</translation>
    </message>
    <message>
        <source>&amp;History</source>
        <translation>&amp;Verlauf</translation>
    </message>
    <message>
        <source>Cluster {cluster}</source>
        <translation>Cluster {cluster}</translation>
    </message>
    <message>
        <source>VM {vm} on {host}</source>
        <translation>VM {vm} auf {host}</translation>
    </message>
    <message>
        <source>Host {host}</source>
        <translation>Host {host}</translation>
    </message>
</context>
<context>
    <name>HistoryRecording</name>
    <message>
        <source>History not recording write actions</source>
        <translation>Verlauf zeichnet Schreibaktionen nicht auf</translation>
    </message>
</context>
<context>
    <name>HistorySettings</name>
    <message>
        <source>History database</source>
        <translation>Verlaufsdatenbank</translation>
    </message>
    <message>
        <source>Record every scan in the history</source>
        <translation>Jeden Scan im Verlauf aufzeichnen</translation>
    </message>
    <message>
        <source>The demo lab records into a throw-away history of its own; this setting applies to real fleets.</source>
        <translation>Das Demolabor zeichnet in einen eigenen Wegwerf-Verlauf auf; diese Einstellung gilt für echte Flotten.</translation>
    </message>
    <message>
        <source>Leave the password out of the URL: the console keeps no passwords in its settings. Put it in ~/.pgpass (or the PGPASSWORD variable) for PostgreSQL to find.</source>
        <translation>Lassen Sie das Kennwort aus der URL weg: Die Konsole speichert keine Kennwörter in ihren Einstellungen. Legen Sie es in ~/.pgpass (oder die Variable PGPASSWORD), damit PostgreSQL es findet.</translation>
    </message>
    <message>
        <source>Every scan is recorded here: states, changes and AVMA events, for the event viewer, the VM timeline and licence reports. Leave the field empty for the default file:
{default}

For a shared PostgreSQL database write postgresql://USER@HOST[:PORT]/DATABASE. Its password is not kept by the console: PostgreSQL reads it from ~/.pgpass or the PGPASSWORD variable.</source>
        <translation>Jeder Scan wird hier aufgezeichnet: Status, Änderungen und AVMA-Ereignisse für die Ereignisanzeige, die VM-Zeitachse und Lizenzberichte. Leer lassen für die Standarddatei:
{default}

Für eine gemeinsame PostgreSQL-Datenbank postgresql://BENUTZER@HOST[:PORT]/DATENBANK eingeben. Ihr Kennwort speichert die Konsole nicht: PostgreSQL liest es aus ~/.pgpass oder der Variablen PGPASSWORD.</translation>
    </message>
</context>
<context>
    <name>KvpCleanupDialog</name>
    <message>
        <source>Path into the guest</source>
        <translation>Weg in den Gast</translation>
    </message>
    <message>
        <source>Guest address</source>
        <translation>Gastadresse</translation>
    </message>
    <message>
        <source>AVMA items seen</source>
        <translation>Gefundene AVMA-Elemente</translation>
    </message>
    <message>
        <source>What happens</source>
        <translation>Was geschieht</translation>
    </message>
    <message>
        <source>PowerShell Direct</source>
        <translation>PowerShell Direct</translation>
    </message>
    <message>
        <source>WinRM to guest</source>
        <translation>WinRM zum Gast</translation>
    </message>
    <message>
        <source>none: host-side items only</source>
        <translation>keiner: nur hostseitige Elemente</translation>
    </message>
    <message>
        <source>remove KVP items matching {patterns}</source>
        <translation>KVP-Elemente entfernen, die {patterns} entsprechen</translation>
    </message>
    <message>
        <source>nothing: not attempted</source>
        <translation>nichts: nicht versucht</translation>
    </message>
    <message>
        <source>Remove AVMA&apos;s key-value-pair data from {total} selected VM(s) whose AVMA key was replaced. Items the guest pushed itself are deleted inside the guest (guest account below); without it only host-side items go. Nothing changes until you confirm; every attempt is recorded in the audit log.</source>
        <translation>Die Schlüssel-Wert-Paar-Daten von AVMA aus {total} ausgewählten VM(s) entfernen, deren AVMA-Schlüssel ersetzt wurde. Elemente, die der Gast selbst gesendet hat, werden im Gast gelöscht (Gastkonto unten); ohne es werden nur hostseitige Elemente entfernt. Bis zu Ihrer Bestätigung ändert sich nichts; jeder Versuch wird im Überwachungsprotokoll festgehalten.</translation>
    </message>
    <message>
        <source>Clean up {count} VM(s)</source>
        <translation>{count} VM(s) bereinigen</translation>
    </message>
</context>
<context>
    <name>KvpEnableDialog</name>
    <message>
        <source>Data Exchange now</source>
        <translation>Datenaustausch jetzt</translation>
    </message>
    <message>
        <source>What happens</source>
        <translation>Was geschieht</translation>
    </message>
    <message>
        <source>nothing: not attempted</source>
        <translation>nichts: nicht versucht</translation>
    </message>
    <message>
        <source>nothing changes: already enabled</source>
        <translation>keine Änderung: bereits aktiviert</translation>
    </message>
    <message>
        <source>Enable-VMIntegrationService (Data Exchange) on {host}</source>
        <translation>Enable-VMIntegrationService (Datenaustausch) auf {host}</translation>
    </message>
    <message>
        <source>enabled</source>
        <translation>aktiviert</translation>
    </message>
    <message>
        <source>disabled</source>
        <translation>deaktiviert</translation>
    </message>
    <message>
        <source>unknown</source>
        <translation>unbekannt</translation>
    </message>
    <message>
        <source>Enable the Data Exchange integration service (AVMA talks to its host through it) for {total} selected VM(s). Nothing changes until you confirm; every attempt is recorded in the audit log.</source>
        <translation>Den Integrationsdienst „Datenaustausch“ (über ihn spricht AVMA mit seinem Host) für {total} ausgewählte VM(s) aktivieren. Bis zu Ihrer Bestätigung ändert sich nichts; jeder Versuch wird im Überwachungsprotokoll festgehalten.</translation>
    </message>
    <message>
        <source>Enable on {count} VM(s)</source>
        <translation>Auf {count} VM(s) aktivieren</translation>
    </message>
</context>
<context>
    <name>LanguageMenu</name>
    <message>
        <source>&amp;Language</source>
        <translation>&amp;Sprache</translation>
    </message>
    <message>
        <source>System language</source>
        <translation>Sprache des Systems</translation>
    </message>
    <message>
        <source>The language changes at the next start of the console.</source>
        <translation>Die Sprache ändert sich beim nächsten Start der Konsole.</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Scan</source>
        <translation>Scannen</translation>
    </message>
    <message>
        <source>Query every host of the inventory (F5)</source>
        <translation>Jeden Host des Inventars abfragen (F5)</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <source>Stop the running scan (Esc)</source>
        <translation>Den laufenden Scan anhalten (Esc)</translation>
    </message>
    <message>
        <source>Connections…</source>
        <translation>Verbindungen…</translation>
    </message>
    <message>
        <source>Add, edit and test clusters and hosts (Ctrl+K)</source>
        <translation>Cluster und Hosts hinzufügen, bearbeiten und testen (Strg+K)</translation>
    </message>
    <message>
        <source>Open inventory…</source>
        <translation>Inventar öffnen…</translation>
    </message>
    <message>
        <source>Save inventory</source>
        <translation>Inventar speichern</translation>
    </message>
    <message>
        <source>Save inventory as…</source>
        <translation>Inventar speichern unter…</translation>
    </message>
    <message>
        <source>Export CSV…</source>
        <translation>CSV exportieren…</translation>
    </message>
    <message>
        <source>Every VM with its state</source>
        <translation>Jede VM mit ihrem Status</translation>
    </message>
    <message>
        <source>Export JSON…</source>
        <translation>JSON exportieren…</translation>
    </message>
    <message>
        <source>Push AVMA key…</source>
        <translation>AVMA-Schlüssel installieren…</translation>
    </message>
    <message>
        <source>Filter</source>
        <translation>Filter</translation>
    </message>
    <message>
        <source>Filter by name (Ctrl+F)</source>
        <translation>Nach Namen filtern (Strg+F)</translation>
    </message>
    <message>
        <source>Expand all</source>
        <translation>Alle erweitern</translation>
    </message>
    <message>
        <source>Collapse to hosts</source>
        <translation>Auf Hosts reduzieren</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>Beenden</translation>
    </message>
    <message>
        <source>About AVMA Console</source>
        <translation>Info über AVMA Console</translation>
    </message>
    <message>
        <source>&amp;Inventory</source>
        <translation>&amp;Inventar</translation>
    </message>
    <message>
        <source>&amp;Scan</source>
        <translation>&amp;Scan</translation>
    </message>
    <message>
        <source>&amp;Actions</source>
        <translation>A&amp;ktionen</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>&amp;Ansicht</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>&amp;Hilfe</translation>
    </message>
    <message>
        <source>Main</source>
        <translation>Haupt</translation>
    </message>
    <message>
        <source>Filter by cluster, host or VM name (Ctrl+F)</source>
        <translation>Nach Cluster-, Host- oder VM-Namen filtern (Strg+F)</translation>
    </message>
    <message>
        <source>Compatibility matrix (host × guest, VMs of the fleet)</source>
        <translation>Kompatibilitätsmatrix (Host × Gast, VMs der Flotte)</translation>
    </message>
    <message>
        <source>Host</source>
        <translation>Host</translation>
    </message>
    <message>
        <source>Problem</source>
        <translation>Problem</translation>
    </message>
    <message>
        <source>What to do</source>
        <translation>Abhilfe</translation>
    </message>
    <message>
        <source>Errors</source>
        <translation>Fehler</translation>
    </message>
    <message>
        <source>%v/%m hosts</source>
        <translation>%v/%m Hosts</translation>
    </message>
    <message>
        <source>demo lab</source>
        <translation>Demolabor</translation>
    </message>
    <message>
        <source>no inventory</source>
        <translation>kein Inventar</translation>
    </message>
    <message>
        <source>AVMA Console — {where}</source>
        <translation>AVMA Console – {where}</translation>
    </message>
    <message>
        <source>Insecure connections allowed for {count} endpoint(s): {names}. Credentials and data may travel unencrypted (allow_insecure = true). Use https, or NTLM/Kerberos message encryption.</source>
        <translation>Unsichere Verbindungen für {count} Endpunkt(e) zugelassen: {names}. Anmeldeinformationen und Daten werden womöglich unverschlüsselt übertragen (allow_insecure = true). Verwenden Sie https oder die Nachrichtenverschlüsselung von NTLM/Kerberos.</translation>
    </message>
    <message>
        <source>Cannot rescan now: a scan is running or the host is not in the inventory</source>
        <translation>Erneuter Scan jetzt nicht möglich: Ein Scan läuft, oder der Host steht nicht im Inventar</translation>
    </message>
    <message>
        <source>Scanning…</source>
        <translation>Scan läuft…</translation>
    </message>
    <message>
        <source>Scanning: {done}/{total} hosts</source>
        <translation>Scan läuft: {done}/{total} Hosts</translation>
    </message>
    <message>
        <source>, {failed} failed</source>
        <translation>, {failed} fehlgeschlagen</translation>
    </message>
    <message>
        <source>Errors ({count})</source>
        <translation>Fehler ({count})</translation>
    </message>
    <message>
        <source>Guest credentials</source>
        <translation>Gastanmeldeinformationen</translation>
    </message>
    <message>
        <source>Connections &gt; Guest credentials</source>
        <translation>Verbindungen &gt; Gastanmeldeinformationen</translation>
    </message>
    <message>
        <source>{hosts}, {vms}   {counts}</source>
        <translation>{hosts}, {vms}   {counts}</translation>
    </message>
    <message numerus="yes">
        <source>%n hosts</source>
        <translation>
            <numerusform>%n Host</numerusform>
            <numerusform>%n Hosts</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n VMs</source>
        <translation>
            <numerusform>%n VM</numerusform>
            <numerusform>%n VMs</numerusform>
        </translation>
    </message>
    <message>
        <source>Copied to the clipboard</source>
        <translation>In die Zwischenablage kopiert</translation>
    </message>
    <message>
        <source>Open inventory</source>
        <translation>Inventar öffnen</translation>
    </message>
    <message>
        <source>Inventory (*.toml)</source>
        <translation>Inventar (*.toml)</translation>
    </message>
    <message>
        <source>Export fleet</source>
        <translation>Flotte exportieren</translation>
    </message>
    <message>
        <source>Unexpected error</source>
        <translation>Unerwarteter Fehler</translation>
    </message>
    <message>
        <source>The console keeps running. Details are in the log.</source>
        <translation>Die Konsole läuft weiter. Details stehen im Protokoll.</translation>
    </message>
    <message>
        <source>AVMA Console: see and fix Automatic Virtual Machine Activation across a Hyper-V fleet.</source>
        <translation>AVMA Console: die automatische Aktivierung virtueller Computer (AVMA) einer Hyper-V-Flotte sehen und in Ordnung bringen.</translation>
    </message>
</context>
<context>
    <name>MatrixModel</name>
    <message>
        <source>Host {version}</source>
        <translation>Host {version}</translation>
    </message>
    <message>
        <source>Guest {version}</source>
        <translation>Gast {version}</translation>
    </message>
    <message>
        <source>{mark}  1 VM</source>
        <translation>{mark}  1 VM</translation>
    </message>
    <message>
        <source>{mark}  {count} VMs</source>
        <translation>{mark}  {count} VMs</translation>
    </message>
    <message>
        <source>A Windows Server {host} host activates Windows Server {guest} guests.</source>
        <translation>Ein Host mit Windows Server {host} aktiviert Gäste mit Windows Server {guest}.</translation>
    </message>
    <message>
        <source>A Windows Server {host} host cannot activate Windows Server {guest} guests.</source>
        <translation>Ein Host mit Windows Server {host} kann Gäste mit Windows Server {guest} nicht aktivieren.</translation>
    </message>
    <message>
        <source>{count} VMs of the fleet sit here.</source>
        <translation>{count} VMs der Flotte liegen hier.</translation>
    </message>
    <message>
        <source>Move these VMs to a newer host, or upgrade their hosts.</source>
        <translation>Verschieben Sie diese VMs auf einen neueren Host oder aktualisieren Sie ihre Hosts.</translation>
    </message>
</context>
<context>
    <name>OperationResults</name>
    <message>
        <source>Waiting…</source>
        <translation>Wartet…</translation>
    </message>
    <message>
        <source>host</source>
        <translation>Host</translation>
    </message>
    <message>
        <source>guest</source>
        <translation>Gast</translation>
    </message>
    <message>
        <source> (may be overridden: tick “Override refusals” when confirming)</source>
        <translation> (übergehbar: beim Bestätigen „Ablehnungen übergehen“ ankreuzen)</translation>
    </message>
    <message>
        <source>Succeeded</source>
        <translation>Erfolgreich</translation>
    </message>
    <message>
        <source>Unchanged</source>
        <translation>Unverändert</translation>
    </message>
    <message>
        <source>Failed</source>
        <translation>Fehlgeschlagen</translation>
    </message>
    <message>
        <source>Refused</source>
        <translation>Abgelehnt</translation>
    </message>
    <message>
        <source>Cancelled</source>
        <translation>Abgebrochen</translation>
    </message>
    <message>
        <source>AVMA Success</source>
        <translation>AVMA erfolgreich</translation>
    </message>
    <message>
        <source>Invalid Host</source>
        <translation>Ungültiger Host</translation>
    </message>
    <message>
        <source>Invalid Data</source>
        <translation>Ungültige Daten</translation>
    </message>
    <message>
        <source>Activation Denied</source>
        <translation>Aktivierung verweigert</translation>
    </message>
    <message>
        <source>enabled</source>
        <translation>aktiviert</translation>
    </message>
    <message>
        <source>disabled</source>
        <translation>deaktiviert</translation>
    </message>
    <message>
        <source>no matching items</source>
        <translation>keine passenden Elemente</translation>
    </message>
    <message>
        <source>removed: {items}</source>
        <translation>entfernt: {items}</translation>
    </message>
    <message>
        <source>not removed: {items}</source>
        <translation>nicht entfernt: {items}</translation>
    </message>
    <message>
        <source>guest-pushed items not checked: {why}</source>
        <translation>vom Gast gesendete Elemente nicht geprüft: {why}</translation>
    </message>
</context>
<context>
    <name>OperationResultsDialog</name>
    <message>
        <source>{action} — results</source>
        <translation>{action} – Ergebnisse</translation>
    </message>
    <message>
        <source>Stop</source>
        <translation>Anhalten</translation>
    </message>
    <message>
        <source>VMs not started yet are not attempted; those under way finish (a change cannot be half done)</source>
        <translation>Noch nicht begonnene VMs werden nicht versucht; laufende werden abgeschlossen (eine Änderung kann nicht halb erfolgen)</translation>
    </message>
    <message>
        <source>Copy all</source>
        <translation>Alles kopieren</translation>
    </message>
    <message>
        <source>Copy the table as tab-separated text (Ctrl+C copies the selected rows)</source>
        <translation>Die Tabelle als tabulatorgetrennten Text kopieren (Strg+C kopiert die ausgewählten Zeilen)</translation>
    </message>
    <message>
        <source>Running: {done} of {total} VM(s) done</source>
        <translation>Läuft: {done} von {total} VM(s) erledigt</translation>
    </message>
    <message>
        <source>, {failed} not OK</source>
        <translation>, {failed} nicht OK</translation>
    </message>
    <message>
        <source>Done. {counts}</source>
        <translation>Fertig. {counts}</translation>
    </message>
    <message>
        <source>nothing ran</source>
        <translation>nichts ausgeführt</translation>
    </message>
    <message>
        <source> — the audit log could not be written for {count} VM(s); see Error</source>
        <translation> – das Überwachungsprotokoll konnte für {count} VM(s) nicht geschrieben werden; siehe Fehler</translation>
    </message>
    <message>
        <source> — scanning {hosts} again to show the new states</source>
        <translation> – {hosts} wird erneut gescannt, um die neuen Status zu zeigen</translation>
    </message>
    <message>
        <source> — scanned again: the tree shows the new states</source>
        <translation> – erneut gescannt: Die Struktur zeigt die neuen Status</translation>
    </message>
    <message>
        <source>Stopping: VMs not started yet will not be attempted…</source>
        <translation>Wird angehalten: Noch nicht begonnene VMs werden nicht versucht…</translation>
    </message>
</context>
<context>
    <name>Operations</name>
    <message>
        <source>the product key is invalid</source>
        <translation>der Product Key ist ungültig</translation>
    </message>
    <message>
        <source>the key is for another version or edition (product SKU not found)</source>
        <translation>der Schlüssel gehört zu einer anderen Version oder Edition (Produkt-SKU nicht gefunden)</translation>
    </message>
    <message>
        <source>Push AVMA key</source>
        <translation>AVMA-Schlüssel installieren</translation>
    </message>
    <message>
        <source>Enable Data Exchange</source>
        <translation>Datenaustausch aktivieren</translation>
    </message>
    <message>
        <source>Clean up KVP data</source>
        <translation>KVP-Daten bereinigen</translation>
    </message>
    <message>
        <source>No inventory is open; open one or start the demo, then scan.</source>
        <translation>Kein Inventar geöffnet; öffnen Sie eines oder starten Sie die Demo, dann scannen.</translation>
    </message>
    <message>
        <source>Scan again (F5) to see the new states: the hosts could not be rescanned now</source>
        <translation>Erneut scannen (F5), um die neuen Status zu sehen: Die Hosts konnten jetzt nicht erneut gescannt werden</translation>
    </message>
    <message>
        <source>Nothing was changed</source>
        <translation>Nichts wurde geändert</translation>
    </message>
    <message>
        <source>Saved the password of {user} for guests in the OS keyring</source>
        <translation>Das Kennwort von {user} für Gäste wurde im Schlüsselbund des Systems gespeichert</translation>
    </message>
    <message>
        <source>The guest password was not saved: {error}</source>
        <translation>Das Gastkennwort wurde nicht gespeichert: {error}</translation>
    </message>
    <message>
        <source>guest address {typed}: write an IPv6 address with a port as [ADDRESS]:PORT</source>
        <translation>Gastadresse {typed}: Schreiben Sie eine IPv6-Adresse mit Port als [ADRESSE]:PORT</translation>
    </message>
    <message>
        <source>guest address: {problem}</source>
        <translation>Gastadresse: {problem}</translation>
    </message>
    <message>
        <source>guest address {address}: port {port} is not between 1 and 65535</source>
        <translation>Gastadresse {address}: Port {port} liegt nicht zwischen 1 und 65535</translation>
    </message>
    <message>
        <source>guest address {typed}: {port} is not a port number</source>
        <translation>Gastadresse {typed}: {port} ist keine Portnummer</translation>
    </message>
    <message>
        <source>the guest {host} rejected the guest credential; check the account and password given for it</source>
        <translation>Der Gast {host} hat die Gastanmeldeinformationen abgelehnt; prüfen Sie das dafür angegebene Konto und Kennwort</translation>
    </message>
    <message>
        <source>already enabled; nothing changes</source>
        <translation>bereits aktiviert; nichts ändert sich</translation>
    </message>
    <message>
        <source>its next AVMA attempt reaches the host again</source>
        <translation>sein nächster AVMA-Versuch erreicht den Host wieder</translation>
    </message>
    <message>
        <source>Data Exchange is still disabled after Enable-VMIntegrationService</source>
        <translation>Der Datenaustausch ist nach Enable-VMIntegrationService weiterhin deaktiviert</translation>
    </message>
    <message>
        <source>{vm} still carries an AVMA key, whose KVP data is in use; clean up only after it was replaced</source>
        <translation>{vm} trägt noch einen AVMA-Schlüssel, dessen KVP-Daten in Gebrauch sind; bereinigen Sie erst, nachdem er ersetzt wurde</translation>
    </message>
    <message>
        <source>{vm} still asks its host for AVMA activation (event {event} of {date}) and its key could not be read; scan with guest credentials to confirm the key was replaced</source>
        <translation>{vm} fragt seinen Host weiterhin nach AVMA-Aktivierung (Ereignis {event} vom {date}) und sein Schlüssel konnte nicht gelesen werden; scannen Sie mit Gastanmeldeinformationen, um zu bestätigen, dass der Schlüssel ersetzt wurde</translation>
    </message>
    <message>
        <source>{vm} is {power_state}: what the guest pushed can only be deleted inside it while it runs (with --force, only host-pushed items are removed)</source>
        <translation>{vm} ist {power_state}: Was der Gast gesendet hat, kann nur in ihm gelöscht werden, während er läuft (mit --force werden nur vom Host gesendete Einträge entfernt)</translation>
    </message>
    <message>
        <source>without PowerShell Direct, the items {vm} pushed itself need its address (--guest-address {vm}=ADDRESS); only host-pushed items are removed</source>
        <translation>ohne PowerShell Direct brauchen die Einträge, die {vm} selbst gesendet hat, seine Adresse (--guest-address {vm}=ADDRESS); nur vom Host gesendete Einträge werden entfernt</translation>
    </message>
    <message>
        <source>{vm} is not running</source>
        <translation>{vm} wird nicht ausgeführt</translation>
    </message>
    <message>
        <source>no guest credential was given</source>
        <translation>es wurden keine Gastanmeldeinformationen angegeben</translation>
    </message>
    <message>
        <source>PowerShell Direct failed: {error}</source>
        <translation>PowerShell Direct fehlgeschlagen: {error}</translation>
    </message>
    <message>
        <source>guest-pushed items remain ({items}): {why}</source>
        <translation>Vom Gast gesendete Einträge bleiben bestehen ({items}): {why}</translation>
    </message>
    <message>
        <source>{host} could not be queried: {error}</source>
        <translation>{host} konnte nicht abgefragt werden: {error}</translation>
    </message>
    <message>
        <source>{reasons} (the operator may override this: --force)</source>
        <translation>{reasons} (kann überschrieben werden: --force)</translation>
    </message>
    <message>
        <source>an unknown Windows</source>
        <translation>ein unbekanntes Windows</translation>
    </message>
    <message>
        <source>(edition unknown)</source>
        <translation>(Edition unbekannt)</translation>
    </message>
    <message>
        <source>Windows Server {version} {edition}</source>
        <translation>Windows Server {version} {edition}</translation>
    </message>
    <message>
        <source>{vm} runs {os}, not Windows Server; AVMA activates only Windows Server guests</source>
        <translation>Auf {vm} läuft {os}, nicht Windows Server; AVMA aktiviert nur Windows Server-Gäste</translation>
    </message>
    <message>
        <source>the Windows version or edition of {vm} is not known, so neither is its AVMA key; start it, enable Data Exchange or scan with guest credentials, or give --key</source>
        <translation>Die Windows-Version oder -Edition von {vm} ist unbekannt und damit auch ihr AVMA-Schlüssel; starten Sie die VM, aktivieren Sie den Datenaustausch, scannen Sie mit Gastanmeldeinformationen oder geben Sie --key an</translation>
    </message>
    <message>
        <source>AVMA has no key for {os}</source>
        <translation>AVMA hat keinen Schlüssel für {os}</translation>
    </message>
    <message>
        <source>not an AVMA key: {vm} leaves AVMA and is licensed through that key&apos;s channel (retail, MAK or KMS); afterwards remove its AVMA KVP data (avma-console kvp cleanup)</source>
        <translation>kein AVMA-Schlüssel: {vm} verlässt AVMA und wird über den Kanal dieses Schlüssels lizenziert (Retail, MAK oder KMS); entfernen Sie danach seine AVMA-KVP-Daten (avma-console kvp cleanup)</translation>
    </message>
    <message>
        <source>the Windows version or edition of {vm} is not known; the key may not fit it</source>
        <translation>Die Windows-Version oder -Edition von {vm} ist unbekannt; der Schlüssel passt möglicherweise nicht</translation>
    </message>
    <message>
        <source>{key} is the AVMA key of Windows Server {key_version} {key_edition}, but {vm} runs {os}; Windows would reject it (0xC004F069)</source>
        <translation>{key} ist der AVMA-Schlüssel von Windows Server {key_version} {key_edition}, aber auf {vm} läuft {os}; Windows würde ihn ablehnen (0xC004F069)</translation>
    </message>
    <message>
        <source>{host} cannot activate guests ({reasons}): AVMA needs an activated Datacenter host</source>
        <translation>{host} kann keine Gäste aktivieren ({reasons}): AVMA benötigt einen aktivierten Datacenter-Host</translation>
    </message>
    <message>
        <source>{vm} runs Windows Server {guest_version}, newer than {host} (Windows Server {host_version}); it needs a Windows Server {needed} or later host</source>
        <translation>Auf {vm} läuft Windows Server {guest_version}, neuer als {host} (Windows Server {host_version}); die VM benötigt einen Host mit Windows Server {needed} oder höher</translation>
    </message>
    <message>
        <source>Data Exchange is disabled on {vm}; AVMA needs it (avma-console kvp enable --vm {quoted_vm})</source>
        <translation>Der Datenaustausch ist auf {vm} deaktiviert; AVMA benötigt ihn (avma-console kvp enable --vm {quoted_vm})</translation>
    </message>
    <message>
        <source>{vm} is {power_state}: a key can only be installed in a running guest</source>
        <translation>{vm} ist {power_state}: Ein Schlüssel kann nur in einem laufenden Gast installiert werden</translation>
    </message>
    <message>
        <source>{vm} is licensed through another channel now; this switches it to AVMA</source>
        <translation>{vm} ist derzeit über einen anderen Kanal lizenziert; dies stellt die VM auf AVMA um</translation>
    </message>
    <message>
        <source>{vm} is already activated through AVMA with this key; installing it again is harmless</source>
        <translation>{vm} ist mit diesem Schlüssel bereits über AVMA aktiviert; eine erneute Installation schadet nicht</translation>
    </message>
    <message>
        <source>{vm} cannot be reached by PowerShell Direct (it needs 2016+ in the guest and on the host); give the guest&apos;s address for WinRM (--guest-address {vm}=ADDRESS)</source>
        <translation>{vm} ist über PowerShell Direct nicht erreichbar (dafür sind 2016+ im Gast und auf dem Host nötig); geben Sie die Adresse des Gasts für WinRM an (--guest-address {vm}=ADDRESS)</translation>
    </message>
    <message>
        <source>nothing: no key to install</source>
        <translation>nichts: kein Schlüssel zu installieren</translation>
    </message>
    <message>
        <source>Windows refuses: the VM is not running</source>
        <translation>Windows lehnt ab: Die VM wird nicht ausgeführt</translation>
    </message>
    <message>
        <source>activates through AVMA on {host}</source>
        <translation>wird über AVMA auf {host} aktiviert</translation>
    </message>
    <message>
        <source>key installed, but AVMA denies activation (0xC004FD03)</source>
        <translation>Schlüssel installiert, aber AVMA verweigert die Aktivierung (0xC004FD03)</translation>
    </message>
    <message>
        <source>key installed, but {host} cannot answer AVMA (Invalid Host)</source>
        <translation>Schlüssel installiert, aber {host} kann AVMA nicht beantworten (Ungültiger Host)</translation>
    </message>
    <message>
        <source>key installed, but AVMA data is invalid</source>
        <translation>Schlüssel installiert, aber die AVMA-Daten sind ungültig</translation>
    </message>
    <message>
        <source>Windows rejects the key (0xC004F069)</source>
        <translation>Windows lehnt den Schlüssel ab (0xC004F069)</translation>
    </message>
    <message>
        <source>licensed through the key&apos;s own channel once that channel activates it</source>
        <translation>über den eigenen Kanal des Schlüssels lizenziert, sobald dieser Kanal ihn aktiviert</translation>
    </message>
    <message>
        <source>no message</source>
        <translation>keine Meldung</translation>
    </message>
    <message>
        <source>Windows rejected the key ({meaning}): {message}</source>
        <translation>Windows hat den Schlüssel abgelehnt ({meaning}): {message}</translation>
    </message>
    <message>
        <source>Windows rejected the key: {message}</source>
        <translation>Windows hat den Schlüssel abgelehnt: {message}</translation>
    </message>
    <message>
        <source>the key is installed, but AVMA activation failed ({outcome}: {meaning})</source>
        <translation>Der Schlüssel ist installiert, aber die AVMA-Aktivierung ist fehlgeschlagen ({outcome}: {meaning})</translation>
    </message>
    <message>
        <source>the key is installed, but AVMA activation failed ({outcome})</source>
        <translation>Der Schlüssel ist installiert, aber die AVMA-Aktivierung ist fehlgeschlagen ({outcome})</translation>
    </message>
    <message>
        <source>the key is installed, but the guest is not activated yet (no AVMA answer in time); scan again later</source>
        <translation>Der Schlüssel ist installiert, aber der Gast ist noch nicht aktiviert (keine rechtzeitige AVMA-Antwort); scannen Sie später erneut</translation>
    </message>
    <message>
        <source>no guest credential for {vm}: the key is installed from inside the guest</source>
        <translation>Keine Gastanmeldeinformationen für {vm}: Der Schlüssel wird im Gast installiert</translation>
    </message>
    <message>
        <source>{error}; no further changes were made</source>
        <translation>{error}; es wurden keine weiteren Änderungen vorgenommen</translation>
    </message>
    <message>
        <source>not attempted: the run was stopped</source>
        <translation>nicht versucht: Der Lauf wurde angehalten</translation>
    </message>
</context>
<context>
    <name>OperationsUi</name>
    <message>
        <source>Install the AVMA key in the selected VMs, after confirming the plan (Ctrl+P)</source>
        <translation>Den AVMA-Schlüssel in den ausgewählten VMs installieren, nachdem Sie den Plan bestätigt haben (Strg+P)</translation>
    </message>
    <message>
        <source>Enable Data Exchange…</source>
        <translation>Datenaustausch aktivieren…</translation>
    </message>
    <message>
        <source>Enable the Data Exchange integration service of the selected VMs</source>
        <translation>Den Integrationsdienst „Datenaustausch“ der ausgewählten VMs aktivieren</translation>
    </message>
    <message>
        <source>Clean up KVP data…</source>
        <translation>KVP-Daten bereinigen…</translation>
    </message>
    <message>
        <source>Remove stale AVMA KVP data from VMs whose AVMA key was replaced</source>
        <translation>Veraltete AVMA-KVP-Daten aus VMs entfernen, deren AVMA-Schlüssel ersetzt wurde</translation>
    </message>
    <message>
        <source>Unattend snippet…</source>
        <translation>Unattend-Ausschnitt…</translation>
    </message>
    <message>
        <source>The unattend.xml fragment that installs the AVMA key at setup</source>
        <translation>Das unattend.xml-Fragment, das den AVMA-Schlüssel beim Setup installiert</translation>
    </message>
    <message>
        <source>%v/%m VMs</source>
        <translation>%v/%m VMs</translation>
    </message>
    <message>
        <source>Stop</source>
        <translation>Anhalten</translation>
    </message>
    <message>
        <source>Stop the running write action: VMs not started yet are not attempted</source>
        <translation>Die laufende Schreibaktion anhalten: Noch nicht begonnene VMs werden nicht versucht</translation>
    </message>
    <message>
        <source>Wait until the running scan or action has finished</source>
        <translation>Warten Sie, bis der laufende Scan oder die laufende Aktion beendet ist</translation>
    </message>
    <message>
        <source>select VMs, or hosts and clusters with VMs that are not activated</source>
        <translation>wählen Sie VMs aus oder Hosts und Cluster mit nicht aktivierten VMs</translation>
    </message>
    <message>
        <source>select VMs, or hosts and clusters with Data Exchange disabled somewhere</source>
        <translation>wählen Sie VMs aus oder Hosts und Cluster, in denen der Datenaustausch irgendwo deaktiviert ist</translation>
    </message>
    <message>
        <source>select VMs, or hosts and clusters with stale AVMA KVP data</source>
        <translation>wählen Sie VMs aus oder Hosts und Cluster mit veralteten AVMA-KVP-Daten</translation>
    </message>
    <message>
        <source>{action}: nothing selected to act on; {hint}</source>
        <translation>{action}: nichts zum Bearbeiten ausgewählt; {hint}</translation>
    </message>
    <message>
        <source>Copied to the clipboard</source>
        <translation>In die Zwischenablage kopiert</translation>
    </message>
    <message>
        <source>Stopping: VMs not started yet will not be attempted…</source>
        <translation>Wird angehalten: Noch nicht begonnene VMs werden nicht versucht…</translation>
    </message>
    <message>
        <source>{action}: {total} VM(s)…</source>
        <translation>{action}: {total} VM(s)…</translation>
    </message>
    <message>
        <source>{action}: {done}/{total} VM(s)</source>
        <translation>{action}: {done}/{total} VM(s)</translation>
    </message>
    <message>
        <source>, {failed} not OK</source>
        <translation>, {failed} nicht OK</translation>
    </message>
    <message>
        <source>{action} finished: {ok} OK, {bad} not OK ({refused} refused) — details in the results</source>
        <translation>{action} beendet: {ok} OK, {bad} nicht OK ({refused} abgelehnt) – Details in den Ergebnissen</translation>
    </message>
    <message>
        <source>Saved {path}</source>
        <translation>{path} gespeichert</translation>
    </message>
</context>
<context>
    <name>Outcome</name>
    <message>
        <source>Success</source>
        <translation>Erfolg</translation>
    </message>
    <message>
        <source>Invalid host</source>
        <translation>Ungültiger Host</translation>
    </message>
    <message>
        <source>Invalid data</source>
        <translation>Ungültige Daten</translation>
    </message>
    <message>
        <source>Activation denied</source>
        <translation>Aktivierung verweigert</translation>
    </message>
    <message>
        <source>No result</source>
        <translation>Kein Ergebnis</translation>
    </message>
</context>
<context>
    <name>Passwords</name>
    <message>
        <source>Password</source>
        <translation>Kennwort</translation>
    </message>
    <message>
        <source>Password for {user} on {target}:</source>
        <translation>Kennwort für {user} auf {target}:</translation>
    </message>
</context>
<context>
    <name>PlanTableModel</name>
    <message>
        <source>Double-click a cell to type the guest&apos;s WinRM address (ADDRESS or ADDRESS:PORT)</source>
        <translation>Doppelklicken Sie auf eine Zelle, um die WinRM-Adresse des Gasts einzugeben (ADRESSE oder ADRESSE:PORT)</translation>
    </message>
    <message>
        <source>(type the address)</source>
        <translation>(Adresse eingeben)</translation>
    </message>
    <message>
        <source>Double-click to type the guest&apos;s WinRM address (ADDRESS or ADDRESS:PORT)</source>
        <translation>Doppelklicken, um die WinRM-Adresse des Gasts einzugeben (ADRESSE oder ADRESSE:PORT)</translation>
    </message>
</context>
<context>
    <name>PowerState</name>
    <message>
        <source>Running</source>
        <translation>Wird ausgeführt</translation>
    </message>
    <message>
        <source>Off</source>
        <translation>Aus</translation>
    </message>
    <message>
        <source>Saved</source>
        <translation>Gespeichert</translation>
    </message>
    <message>
        <source>Paused</source>
        <translation>Angehalten</translation>
    </message>
    <message>
        <source>Starting</source>
        <translation>Wird gestartet</translation>
    </message>
    <message>
        <source>Stopping</source>
        <translation>Wird beendet</translation>
    </message>
    <message>
        <source>Saving</source>
        <translation>Wird gespeichert</translation>
    </message>
    <message>
        <source>Pausing</source>
        <translation>Wird angehalten</translation>
    </message>
    <message>
        <source>Resuming</source>
        <translation>Wird fortgesetzt</translation>
    </message>
</context>
<context>
    <name>PowerStateWord</name>
    <message>
        <source>off</source>
        <translation>aus</translation>
    </message>
    <message>
        <source>saved</source>
        <translation>gespeichert</translation>
    </message>
    <message>
        <source>paused</source>
        <translation>angehalten</translation>
    </message>
    <message>
        <source>starting</source>
        <translation>wird gestartet</translation>
    </message>
    <message>
        <source>stopping</source>
        <translation>wird beendet</translation>
    </message>
    <message>
        <source>saving</source>
        <translation>wird gespeichert</translation>
    </message>
    <message>
        <source>pausing</source>
        <translation>wird angehalten</translation>
    </message>
    <message>
        <source>resuming</source>
        <translation>wird fortgesetzt</translation>
    </message>
    <message>
        <source>running</source>
        <translation>wird ausgeführt</translation>
    </message>
</context>
<context>
    <name>ProductKey</name>
    <message>
        <source>the product key is empty; a key has 25 characters such as XXXXX-XXXXX-XXXXX-XXXXX-XXXXX</source>
        <translation>Der Product Key ist leer; ein Schlüssel hat 25 Zeichen, etwa XXXXX-XXXXX-XXXXX-XXXXX-XXXXX</translation>
    </message>
    <message>
        <source>{key} has {count} characters; a product key has 25 (five groups of five)</source>
        <translation>{key} hat {count} Zeichen; ein Product Key hat 25 (fünf Gruppen zu fünf)</translation>
    </message>
    <message>
        <source>{key} contains {characters}, which product keys never use (allowed: {alphabet} and one N; look for 0/O, 1/I, 5/S mix-ups)</source>
        <translation>{key} enthält {characters}, was in Product Keys nie vorkommt (zulässig: {alphabet} und ein N; achten Sie auf Verwechslungen von 0/O, 1/I, 5/S)</translation>
    </message>
    <message>
        <source>{key} has {count} letters N; a Windows product key has exactly one</source>
        <translation>{key} hat {count} Buchstaben N; ein Windows-Product Key hat genau eines</translation>
    </message>
    <message>
        <source>{key} ends in N, which no valid product key does</source>
        <translation>{key} endet auf N, was bei keinem gültigen Product Key vorkommt</translation>
    </message>
    <message>
        <source>{key} does not decode to a 128-bit key value; check for a typo</source>
        <translation>{key} ergibt keinen 128-Bit-Schlüsselwert; prüfen Sie auf Tippfehler</translation>
    </message>
    <message>
        <source>{key} fails the product-key checksum: at least one character is mistyped</source>
        <translation>{key} besteht die Prüfsumme des Product Keys nicht: Mindestens ein Zeichen ist falsch eingegeben</translation>
    </message>
</context>
<context>
    <name>PushDialog</name>
    <message>
        <source>Leave empty: each guest gets the AVMA key of its own version</source>
        <translation>Leer lassen: Jeder Gast erhält den AVMA-Schlüssel seiner eigenen Version</translation>
    </message>
    <message>
        <source>Key to install</source>
        <translation>Zu installierender Product Key</translation>
    </message>
    <message>
        <source>Each guest gets the AVMA key of its own version and edition.</source>
        <translation>Jeder Gast erhält den AVMA-Schlüssel seiner eigenen Version und Edition.</translation>
    </message>
    <message>
        <source>✗ Not a valid key: {error}</source>
        <translation>✗ Kein gültiger Product Key: {error}</translation>
    </message>
    <message>
        <source>✓ The AVMA key of Windows Server {version} {edition}.</source>
        <translation>✓ Der AVMA-Schlüssel von Windows Server {version} {edition}.</translation>
    </message>
    <message>
        <source>✓ A valid key, but not an AVMA key: the VMs leave AVMA and are licensed through that key&apos;s channel. It is shown and recorded by its last five characters only.</source>
        <translation>✓ Ein gültiger Product Key, aber kein AVMA-Schlüssel: Die VMs verlassen AVMA und werden über den Kanal dieses Schlüssels lizenziert. Er wird nur mit seinen letzten fünf Zeichen angezeigt und aufgezeichnet.</translation>
    </message>
    <message>
        <source>Path</source>
        <translation>Weg</translation>
    </message>
    <message>
        <source>Guest address</source>
        <translation>Gastadresse</translation>
    </message>
    <message>
        <source>Key</source>
        <translation>Product Key</translation>
    </message>
    <message>
        <source>Expected</source>
        <translation>Erwartet</translation>
    </message>
    <message>
        <source>The typed key is not valid (see under the field).</source>
        <translation>Der eingegebene Product Key ist ungültig (siehe unter dem Feld).</translation>
    </message>
    <message>
        <source>PowerShell Direct</source>
        <translation>PowerShell Direct</translation>
    </message>
    <message>
        <source>WinRM to guest</source>
        <translation>WinRM zum Gast</translation>
    </message>
    <message>
        <source>nothing: not attempted</source>
        <translation>nichts: nicht versucht</translation>
    </message>
    <message>
        <source>{vm} on {host}</source>
        <translation>{vm} auf {host}</translation>
    </message>
    <message>
        <source>Install a product key in {total} selected VM(s). Nothing changes until you confirm; every attempt and every refusal is recorded in the audit log.</source>
        <translation>Einen Product Key in {total} ausgewählten VM(s) installieren. Bis zu Ihrer Bestätigung ändert sich nichts; jeder Versuch und jede Ablehnung wird im Überwachungsprotokoll festgehalten.</translation>
    </message>
    <message>
        <source>Push key to {count} VM(s)</source>
        <translation>Schlüssel in {count} VM(s) installieren</translation>
    </message>
</context>
<context>
    <name>RemoteErrors</name>
    <message>
        <source>Check the host name (or set address = ... in the inventory) and the DNS server.</source>
        <translation>Prüfen Sie den Hostnamen (oder setzen Sie address = ... im Inventar) und den DNS-Server.</translation>
    </message>
    <message>
        <source>Check that WinRM listens there (winrm quickconfig; Test-WSMan) and that a firewall allows the port.</source>
        <translation>Prüfen Sie, ob WinRM dort lauscht (winrm quickconfig; Test-WSMan) und eine Firewall den Port zulässt.</translation>
    </message>
    <message>
        <source>The host did not answer in time: check that it is up and not overloaded, then scan again.</source>
        <translation>Der Host hat nicht rechtzeitig geantwortet: Prüfen Sie, ob er läuft und nicht überlastet ist, und scannen Sie erneut.</translation>
    </message>
    <message>
        <source>Check the user name and password (stored in the OS keyring or given by env:/prompt) and that the account may use WinRM (member of Administrators or Remote Management Users, and Hyper-V Administrators).</source>
        <translation>Prüfen Sie Benutzername und Kennwort (im Schlüsselbund des Systems gespeichert oder über env:/prompt angegeben) und ob das Konto WinRM verwenden darf (Mitglied von Administratoren oder Remoteverwaltungsbenutzer sowie Hyper-V-Administratoren).</translation>
    </message>
    <message>
        <source>Add the CA that issued the host&apos;s certificate with ca_bundle = &quot;corp-ca.pem&quot; in the inventory, or fix the certificate&apos;s name; verification stays on.</source>
        <translation>Fügen Sie die Zertifizierungsstelle, die das Zertifikat des Hosts ausgestellt hat, mit ca_bundle = &quot;corp-ca.pem&quot; im Inventar hinzu, oder korrigieren Sie den Namen im Zertifikat; die Prüfung bleibt eingeschaltet.</translation>
    </message>
    <message>
        <source>Use https, or the ntlm/kerberos transport (which encrypts messages), or set allow_insecure = true knowingly.</source>
        <translation>Verwenden Sie https oder den Transport ntlm/kerberos (der Nachrichten verschlüsselt), oder setzen Sie allow_insecure = true bewusst.</translation>
    </message>
    <message>
        <source>The WinRM service answered with an error: check the host&apos;s WinRM event log, then scan again.</source>
        <translation>Der WinRM-Dienst hat mit einem Fehler geantwortet: Prüfen Sie das WinRM-Ereignisprotokoll des Hosts und scannen Sie erneut.</translation>
    </message>
    <message>
        <source>The WinRM service refused the request: check the host&apos;s WinRM configuration (MaxEnvelopeSizekb, quotas).</source>
        <translation>Der WinRM-Dienst hat die Anforderung abgelehnt: Prüfen Sie die WinRM-Konfiguration des Hosts (MaxEnvelopeSizekb, Kontingente).</translation>
    </message>
    <message>
        <source>The answer was cut off or was not WS-Management: check proxies or load balancers in between, then retry.</source>
        <translation>Die Antwort war abgeschnitten oder kein WS-Management: Prüfen Sie Proxys oder Lastenausgleich dazwischen und versuchen Sie es erneut.</translation>
    </message>
    <message>
        <source>The inventory script failed on the host: check that Hyper-V&apos;s PowerShell module is installed and the account is a Hyper-V administrator.</source>
        <translation>Das Inventarskript ist auf dem Host fehlgeschlagen: Prüfen Sie, ob das PowerShell-Modul für Hyper-V installiert ist und das Konto Hyper-V-Administrator ist.</translation>
    </message>
    <message>
        <source>The host&apos;s answer could not be read: check its PowerShell version (5.1 expected), then scan again.</source>
        <translation>Die Antwort des Hosts war nicht lesbar: Prüfen Sie seine PowerShell-Version (5.1 erwartet) und scannen Sie erneut.</translation>
    </message>
    <message>
        <source>A WinRM limit of the host was reached: raise the setting named in the message on the host (winrm set winrm/config/... or Set-Item WSMan:\localhost\...), or close other sessions of this account.</source>
        <translation>Ein WinRM-Limit des Hosts wurde erreicht: Erhöhen Sie auf dem Host die in der Meldung genannte Einstellung (winrm set winrm/config/... oder Set-Item WSMan:\localhost\...), oder schließen Sie andere Sitzungen dieses Kontos.</translation>
    </message>
    <message>
        <source>Store the password in the OS keyring, or use credential = &quot;env:VAR&quot; or &quot;prompt&quot; in the inventory.</source>
        <translation>Speichern Sie das Kennwort im Schlüsselbund des Systems, oder verwenden Sie credential = &quot;env:VAR&quot; oder &quot;prompt&quot; im Inventar.</translation>
    </message>
    <message>
        <source>Scan again when ready.</source>
        <translation>Scannen Sie erneut, sobald Sie bereit sind.</translation>
    </message>
    <message>
        <source>The console could not finish this host&apos;s query (a worker process stopped or a bug): scan again; if it repeats, report it with the console&apos;s log.</source>
        <translation>Die Konsole konnte die Abfrage dieses Hosts nicht beenden (ein Arbeitsprozess wurde beendet, oder ein Fehler): Scannen Sie erneut; wiederholt es sich, melden Sie es mit dem Protokoll der Konsole.</translation>
    </message>
    <message>
        <source>{script}.ps1 failed: {output}</source>
        <translation>{script}.ps1 ist fehlgeschlagen: {output}</translation>
    </message>
    <message>
        <source>{script}.ps1 ran out of memory on the host: the shell&apos;s memory quota (MaxMemoryPerShellMB) is too small for it</source>
        <translation>{script}.ps1 hatte auf dem Host nicht genug Arbeitsspeicher: Das Speicherkontingent der Shell (MaxMemoryPerShellMB) ist dafür zu klein</translation>
    </message>
    <message>
        <source>WinRM answered HTTP 503: the WinRM service is stopped or restarting</source>
        <translation>WinRM hat mit HTTP 503 geantwortet: Der WinRM-Dienst ist beendet oder startet neu</translation>
    </message>
    <message>
        <source>the host rejected the credentials of {user}</source>
        <translation>der Host hat die Anmeldeinformationen von {user} abgelehnt</translation>
    </message>
    <message>
        <source>WinRM answered HTTP {code}</source>
        <translation>WinRM hat mit HTTP {code} geantwortet</translation>
    </message>
    <message>
        <source>the answer was cut off in the middle</source>
        <translation>die Antwort brach mittendrin ab</translation>
    </message>
    <message>
        <source>the answer is not a WS-Management message</source>
        <translation>die Antwort ist keine WS-Management-Nachricht</translation>
    </message>
    <message>
        <source>the name in {url} cannot be resolved</source>
        <translation>der Name in {url} kann nicht aufgelöst werden</translation>
    </message>
    <message>
        <source>{url} refused the connection</source>
        <translation>{url} hat die Verbindung abgewiesen</translation>
    </message>
    <message>
        <source>the TLS handshake with {url} failed</source>
        <translation>der TLS-Handshake mit {url} ist fehlgeschlagen</translation>
    </message>
    <message>
        <source>{url} closed the connection without a complete answer</source>
        <translation>{url} hat die Verbindung ohne vollständige Antwort geschlossen</translation>
    </message>
    <message>
        <source>cannot connect to {url}</source>
        <translation>keine Verbindung zu {url} möglich</translation>
    </message>
    <message>
        <source>the scan was cancelled</source>
        <translation>der Scan wurde abgebrochen</translation>
    </message>
</context>
<context>
    <name>ReportColumns</name>
    <message>
        <source>time utc</source>
        <translation>Zeit (UTC)</translation>
    </message>
    <message>
        <source>change</source>
        <translation>Änderung</translation>
    </message>
    <message>
        <source>vm</source>
        <translation>VM</translation>
    </message>
    <message>
        <source>vm id</source>
        <translation>VM-ID</translation>
    </message>
    <message>
        <source>from host</source>
        <translation>von Host</translation>
    </message>
    <message>
        <source>to host</source>
        <translation>zu Host</translation>
    </message>
    <message>
        <source>from state</source>
        <translation>vorheriger Status</translation>
    </message>
    <message>
        <source>to state</source>
        <translation>neuer Status</translation>
    </message>
    <message>
        <source>from key</source>
        <translation>vorheriger Schlüssel</translation>
    </message>
    <message>
        <source>to key</source>
        <translation>neuer Schlüssel</translation>
    </message>
    <message>
        <source>who</source>
        <translation>wer</translation>
    </message>
    <message>
        <source>action</source>
        <translation>Aktion</translation>
    </message>
    <message>
        <source>result</source>
        <translation>Ergebnis</translation>
    </message>
    <message>
        <source>details</source>
        <translation>Details</translation>
    </message>
    <message>
        <source>month</source>
        <translation>Monat</translation>
    </message>
    <message>
        <source>host</source>
        <translation>Host</translation>
    </message>
    <message>
        <source>cluster</source>
        <translation>Cluster</translation>
    </message>
    <message>
        <source>host version</source>
        <translation>Hostversion</translation>
    </message>
    <message>
        <source>host edition</source>
        <translation>Hostedition</translation>
    </message>
    <message>
        <source>host avma capable</source>
        <translation>Host AVMA-fähig</translation>
    </message>
    <message>
        <source>snapshots</source>
        <translation>Momentaufnahmen</translation>
    </message>
    <message>
        <source>vms seen running</source>
        <translation>laufend gesehene VMs</translation>
    </message>
    <message>
        <source>avma activated</source>
        <translation>über AVMA aktiviert</translation>
    </message>
    <message>
        <source>activated other</source>
        <translation>anders aktiviert</translation>
    </message>
    <message>
        <source>not activated</source>
        <translation>nicht aktiviert</translation>
    </message>
    <message>
        <source>no evidence</source>
        <translation>keine Nachweise</translation>
    </message>
    <message>
        <source>events 12310</source>
        <translation>Ereignisse 12310</translation>
    </message>
    <message>
        <source>avma success events</source>
        <translation>AVMA-Erfolgsereignisse</translation>
    </message>
    <message>
        <source>failed events</source>
        <translation>fehlgeschlagene Ereignisse</translation>
    </message>
    <message>
        <source>first record id</source>
        <translation>erste Datensatz-ID</translation>
    </message>
    <message>
        <source>last record id</source>
        <translation>letzte Datensatz-ID</translation>
    </message>
    <message>
        <source>not activated vms</source>
        <translation>nicht aktivierte VMs</translation>
    </message>
    <message>
        <source>state</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>observations</source>
        <translation>Beobachtungen</translation>
    </message>
    <message>
        <source>last seen utc</source>
        <translation>zuletzt gesehen (UTC)</translation>
    </message>
    <message>
        <source>last success record id</source>
        <translation>Datensatz-ID des letzten Erfolgs</translation>
    </message>
    <message>
        <source>last success utc</source>
        <translation>letzter Erfolg (UTC)</translation>
    </message>
    <message>
        <source>event id</source>
        <translation>Ereignis-ID</translation>
    </message>
    <message>
        <source>log</source>
        <translation>Protokoll</translation>
    </message>
    <message>
        <source>outcome</source>
        <translation>Ergebnis</translation>
    </message>
    <message>
        <source>error code</source>
        <translation>Fehlercode</translation>
    </message>
    <message>
        <source>record id</source>
        <translation>Datensatz-ID</translation>
    </message>
    <message>
        <source>message</source>
        <translation>Meldung</translation>
    </message>
    <message>
        <source>scanned at utc</source>
        <translation>gescannt (UTC)</translation>
    </message>
    <message>
        <source>host build</source>
        <translation>Host-Build</translation>
    </message>
    <message>
        <source>host activated</source>
        <translation>Host aktiviert</translation>
    </message>
    <message>
        <source>host hyperv</source>
        <translation>Host Hyper-V</translation>
    </message>
    <message>
        <source>host error</source>
        <translation>Hostfehler</translation>
    </message>
    <message>
        <source>power state</source>
        <translation>Betriebszustand</translation>
    </message>
    <message>
        <source>running</source>
        <translation>wird ausgeführt</translation>
    </message>
    <message>
        <source>guest version</source>
        <translation>Gastversion</translation>
    </message>
    <message>
        <source>guest edition</source>
        <translation>Gastedition</translation>
    </message>
    <message>
        <source>guest os</source>
        <translation>Gastbetriebssystem</translation>
    </message>
    <message>
        <source>kvp enabled</source>
        <translation>Datenaustausch aktiviert</translation>
    </message>
    <message>
        <source>kvp status</source>
        <translation>Datenaustauschstatus</translation>
    </message>
    <message>
        <source>state source</source>
        <translation>Quelle des Status</translation>
    </message>
    <message>
        <source>key channel</source>
        <translation>Schlüsselkanal</translation>
    </message>
    <message>
        <source>partial key</source>
        <translation>Teil-Product Key</translation>
    </message>
    <message>
        <source>license status</source>
        <translation>Lizenzstatus</translation>
    </message>
    <message>
        <source>avma host</source>
        <translation>AVMA-Host</translation>
    </message>
    <message>
        <source>last activation utc</source>
        <translation>letzte Aktivierung (UTC)</translation>
    </message>
    <message>
        <source>last event record id</source>
        <translation>Datensatz-ID des letzten Ereignisses</translation>
    </message>
    <message>
        <source>last event utc</source>
        <translation>letztes Ereignis (UTC)</translation>
    </message>
    <message>
        <source>last event outcome</source>
        <translation>Ergebnis des letzten Ereignisses</translation>
    </message>
    <message>
        <source>guest error</source>
        <translation>Gastfehler</translation>
    </message>
    <message>
        <source>finding codes</source>
        <translation>Befundcodes</translation>
    </message>
    <message>
        <source>main problem</source>
        <translation>Hauptproblem</translation>
    </message>
    <message>
        <source>findings</source>
        <translation>Befunde</translation>
    </message>
    <message>
        <source>version</source>
        <translation>Version</translation>
    </message>
    <message>
        <source>edition</source>
        <translation>Edition</translation>
    </message>
    <message>
        <source>activated</source>
        <translation>aktiviert</translation>
    </message>
    <message>
        <source>hyperv</source>
        <translation>Hyper-V</translation>
    </message>
    <message>
        <source>avma capable</source>
        <translation>AVMA-fähig</translation>
    </message>
    <message>
        <source>vms</source>
        <translation>VMs</translation>
    </message>
    <message>
        <source>problem vms</source>
        <translation>VMs mit Problemen</translation>
    </message>
    <message>
        <source>error</source>
        <translation>Fehler</translation>
    </message>
</context>
<context>
    <name>ReportDialog</name>
    <message>
        <source>Inventory</source>
        <translation>Inventar</translation>
    </message>
    <message>
        <source>Every host and VM with its activation state, as of the last scan in the period.</source>
        <translation>Jeder Host und jede VM mit Aktivierungsstatus, Stand des letzten Scans im Zeitraum.</translation>
    </message>
    <message>
        <source>Compliance (SPLA)</source>
        <translation>Compliance (SPLA)</translation>
    </message>
    <message>
        <source>Per host and month: VMs seen running, how they were licensed, failed AVMA activations.</source>
        <translation>Pro Host und Monat: laufend gesehene VMs, wie sie lizenziert waren, fehlgeschlagene AVMA-Aktivierungen.</translation>
    </message>
    <message>
        <source>Changes</source>
        <translation>Änderungen</translation>
    </message>
    <message>
        <source>Every change of state, host or key in the period, with the AVMA events behind it.</source>
        <translation>Jede Änderung von Status, Host oder Schlüssel im Zeitraum, mit den AVMA-Ereignissen dahinter.</translation>
    </message>
    <message>
        <source>AVMA events</source>
        <translation>AVMA-Ereignisse</translation>
    </message>
    <message>
        <source>Every AVMA event in the period: 12310 on the hosts and 12309 in the guests.</source>
        <translation>Jedes AVMA-Ereignis im Zeitraum: 12310 auf den Hosts und 12309 in den Gästen.</translation>
    </message>
    <message>
        <source>This month</source>
        <translation>Dieser Monat</translation>
    </message>
    <message>
        <source>Last month</source>
        <translation>Letzter Monat</translation>
    </message>
    <message>
        <source>Last 30 days</source>
        <translation>Letzte 30 Tage</translation>
    </message>
    <message>
        <source>This year</source>
        <translation>Dieses Jahr</translation>
    </message>
    <message>
        <source>Last year</source>
        <translation>Letztes Jahr</translation>
    </message>
    <message>
        <source>Everything recorded</source>
        <translation>Alles Aufgezeichnete</translation>
    </message>
    <message>
        <source>From – to (days)</source>
        <translation>Von – bis (Tage)</translation>
    </message>
    <message>
        <source>PDF (to print and sign off)</source>
        <translation>PDF (zum Drucken und Abzeichnen)</translation>
    </message>
    <message>
        <source>HTML (to mail or archive)</source>
        <translation>HTML (zum Versenden oder Archivieren)</translation>
    </message>
    <message>
        <source>CSV (spreadsheet)</source>
        <translation>CSV (Tabellenkalkulation)</translation>
    </message>
    <message>
        <source>Licence report</source>
        <translation>Lizenzbericht</translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation>Durchsuchen…</translation>
    </message>
    <message>
        <source>Report:</source>
        <translation>Bericht:</translation>
    </message>
    <message>
        <source>Period:</source>
        <translation>Zeitraum:</translation>
    </message>
    <message>
        <source>Format:</source>
        <translation>Format:</translation>
    </message>
    <message>
        <source>Save to:</source>
        <translation>Speichern unter:</translation>
    </message>
    <message>
        <source>History:</source>
        <translation>Verlauf:</translation>
    </message>
    <message>
        <source>Create report</source>
        <translation>Bericht erstellen</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>Öffnen</translation>
    </message>
    <message>
        <source>Everything in the history.</source>
        <translation>Alles im Verlauf.</translation>
    </message>
    <message>
        <source>Save report</source>
        <translation>Bericht speichern</translation>
    </message>
    <message>
        <source>Reading the history and building the report…</source>
        <translation>Verlauf wird gelesen und Bericht erstellt…</translation>
    </message>
    <message>
        <source>Written {path}: {pages} page(s), {rows} rows.</source>
        <translation>{path} geschrieben: {pages} Seite(n), {rows} Zeilen.</translation>
    </message>
    <message>
        <source>Written {path}: {rows} rows.</source>
        <translation>{path} geschrieben: {rows} Zeilen.</translation>
    </message>
    <message>
        <source>The inventory shows the last scan before the end of the period.</source>
        <translation>Das Inventar zeigt den letzten Scan vor dem Ende des Zeitraums.</translation>
    </message>
    <message>
        <source>Choose where to save the report (Save to).</source>
        <translation>Wählen Sie, wo der Bericht gespeichert wird (Speichern unter).</translation>
    </message>
    <message>
        <source>The period ends before it starts; swap the dates.</source>
        <translation>Der Zeitraum endet, bevor er beginnt; tauschen Sie die Daten.</translation>
    </message>
    <message>
        <source>{start} to {end} (excluded), UTC.</source>
        <translation>{start} bis {end} (ausschließlich), UTC.</translation>
    </message>
    <message>
        <source>Writing {format}…</source>
        <translation>{format} wird geschrieben…</translation>
    </message>
    <message>
        <source>The folder {folder} does not exist; choose an existing folder.</source>
        <translation>Der Ordner {folder} existiert nicht; wählen Sie einen vorhandenen Ordner.</translation>
    </message>
    <message>
        <source>No report: {reason}</source>
        <translation>Kein Bericht: {reason}</translation>
    </message>
    <message>
        <source>The history could not be read: {reason}</source>
        <translation>Der Verlauf konnte nicht gelesen werden: {reason}</translation>
    </message>
    <message>
        <source>Cannot write {path}: {reason}; choose a writable place.</source>
        <translation>{path} kann nicht geschrieben werden: {reason}; wählen Sie einen beschreibbaren Ort.</translation>
    </message>
</context>
<context>
    <name>Reports</name>
    <message>
        <source>page {page} of {pages}</source>
        <translation>Seite {page} von {pages}</translation>
    </message>
    <message>
        <source>Nothing in this period.</source>
        <translation>Nichts in diesem Zeitraum.</translation>
    </message>
    <message>
        <source>Generated {time} UTC from {source}. All times are UTC.</source>
        <translation>Erstellt {time} UTC aus {source}. Alle Zeiten in UTC.</translation>
    </message>
    <message>
        <source>en</source>
        <translation>de</translation>
    </message>
    <message>
        <source>Snapshot #{id}, {time} UTC. Cells marked ✗ hold guests their host&apos;s version cannot activate through AVMA; grey cells are combinations AVMA does not support.</source>
        <translation>Momentaufnahme #{id}, {time} UTC. Mit ✗ markierte Zellen enthalten Gäste, die die Version ihres Hosts nicht über AVMA aktivieren kann; graue Zellen sind Kombinationen, die AVMA nicht unterstützt.</translation>
    </message>
    <message>
        <source>Fleet matrix: VMs by host version (rows) and guest version (columns)</source>
        <translation>Flottenmatrix: VMs nach Hostversion (Zeilen) und Gastversion (Spalten)</translation>
    </message>
    <message>
        <source>host \ guest</source>
        <translation>Host \ Gast</translation>
    </message>
    <message>
        <source>total</source>
        <translation>gesamt</translation>
    </message>
    <message>
        <source>yes</source>
        <translation>ja</translation>
    </message>
    <message>
        <source>no</source>
        <translation>nein</translation>
    </message>
    <message>
        <source>everything recorded</source>
        <translation>alles Aufgezeichnete</translation>
    </message>
    <message>
        <source>from {start}</source>
        <translation>ab {start}</translation>
    </message>
    <message>
        <source>from the first record</source>
        <translation>ab dem ersten Datensatz</translation>
    </message>
    <message>
        <source>until {end} (excluded)</source>
        <translation>bis {end} (ausschließlich)</translation>
    </message>
    <message>
        <source>to the last record</source>
        <translation>bis zum letzten Datensatz</translation>
    </message>
    <message>
        <source>{since} {until}, UTC</source>
        <translation>{since} {until}, UTC</translation>
    </message>
    <message>
        <source>unknown</source>
        <translation>unbekannt</translation>
    </message>
    <message>
        <source>state changes</source>
        <translation>Statusänderungen</translation>
    </message>
    <message>
        <source>moves to another host</source>
        <translation>Wechsel auf einen anderen Host</translation>
    </message>
    <message>
        <source>key changes</source>
        <translation>Schlüsseländerungen</translation>
    </message>
    <message>
        <source>new VMs</source>
        <translation>neue VMs</translation>
    </message>
    <message>
        <source>VMs gone</source>
        <translation>verschwundene VMs</translation>
    </message>
    <message>
        <source>operator actions</source>
        <translation>Bedieneraktionen</translation>
    </message>
    <message>
        <source>Changes</source>
        <translation>Änderungen</translation>
    </message>
    <message>
        <source>none</source>
        <translation>keine</translation>
    </message>
    <message>
        <source>State changes, moves, key changes and operator actions</source>
        <translation>Statusänderungen, Hostwechsel, Schlüsseländerungen und Bedieneraktionen</translation>
    </message>
    <message>
        <source>AVMA changes</source>
        <translation>AVMA-Änderungen</translation>
    </message>
    <message>
        <source>Period</source>
        <translation>Zeitraum</translation>
    </message>
    <message>
        <source>Snapshots</source>
        <translation>Momentaufnahmen</translation>
    </message>
    <message>
        <source>{count}, {first} to {last} UTC</source>
        <translation>{count}, {first} bis {last} UTC</translation>
    </message>
    <message>
        <source>VM-months seen running</source>
        <translation>Laufend gesehene VM-Monate</translation>
    </message>
    <message>
        <source>{total}: {avma} activated through AVMA, {other} through another channel, {not_activated} not activated, {no_evidence} without evidence</source>
        <translation>{total}: {avma} über AVMA aktiviert, {other} über einen anderen Kanal, {not_activated} nicht aktiviert, {no_evidence} ohne Nachweis</translation>
    </message>
    <message>
        <source>Per host and month</source>
        <translation>Pro Host und Monat</translation>
    </message>
    <message>
        <source>Evidence per VM</source>
        <translation>Nachweise pro VM</translation>
    </message>
    <message>
        <source>A VM counts on a host in a month when a snapshot saw it running there; its category is the state of the last such observation. Evidence: the host&apos;s event 12310 records (ids as in its Application log).</source>
        <translation>Eine VM zählt in einem Monat auf einem Host, wenn eine Momentaufnahme sie dort laufend sah; ihre Kategorie ist der Status der letzten solchen Beobachtung. Nachweis: die Datensätze des Ereignisses 12310 des Hosts (IDs wie in seinem Anwendungsprotokoll).</translation>
    </message>
    <message>
        <source>AVMA licence compliance (SPLA)</source>
        <translation>AVMA-Lizenzcompliance (SPLA)</translation>
    </message>
    <message>
        <source>no outcome read</source>
        <translation>kein Ergebnis gelesen</translation>
    </message>
    <message>
        <source>host {name}</source>
        <translation>Host {name}</translation>
    </message>
    <message>
        <source>VM {name}</source>
        <translation>VM {name}</translation>
    </message>
    <message>
        <source>Only</source>
        <translation>Nur</translation>
    </message>
    <message>
        <source>Events</source>
        <translation>Ereignisse</translation>
    </message>
    <message>
        <source>{count} ({hosts} from hosts, 12310; {guests} from guests, 12309)</source>
        <translation>{count} ({hosts} von Hosts, 12310; {guests} von Gästen, 12309)</translation>
    </message>
    <message>
        <source>Outcomes</source>
        <translation>Ergebnisse</translation>
    </message>
    <message>
        <source>No AVMA events stored for this period and choice.</source>
        <translation>Keine AVMA-Ereignisse für diesen Zeitraum und diese Auswahl gespeichert.</translation>
    </message>
    <message>
        <source>No AVMA events stored for this period.</source>
        <translation>Keine AVMA-Ereignisse für diesen Zeitraum gespeichert.</translation>
    </message>
    <message>
        <source>AVMA events (12310 on the hosts, 12309 in the guests)</source>
        <translation>AVMA-Ereignisse (12310 auf den Hosts, 12309 in den Gästen)</translation>
    </message>
    <message>
        <source>Guest events (12309) are collected by scans with guest credentials; each scan reads only the events newer than the last one stored, from hosts and guests alike.</source>
        <translation>Gastereignisse (12309) werden von Scans mit Gastanmeldeinformationen erfasst; jeder Scan liest nur die Ereignisse, die neuer sind als das zuletzt gespeicherte, bei Hosts wie bei Gästen.</translation>
    </message>
    <message>
        <source>AVMA events</source>
        <translation>AVMA-Ereignisse</translation>
    </message>
    <message>
        <source>no VMs</source>
        <translation>keine VMs</translation>
    </message>
    <message>
        <source>#{id}, scanned {time} UTC</source>
        <translation>#{id}, gescannt {time} UTC</translation>
    </message>
    <message>
        <source>Snapshot</source>
        <translation>Momentaufnahme</translation>
    </message>
    <message>
        <source>Hosts</source>
        <translation>Hosts</translation>
    </message>
    <message>
        <source>{answered} of {total} answered</source>
        <translation>{answered} von {total} haben geantwortet</translation>
    </message>
    <message>
        <source>VMs</source>
        <translation>VMs</translation>
    </message>
    <message>
        <source>States</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>Virtual machines</source>
        <translation>Virtuelle Computer</translation>
    </message>
    <message>
        <source>The snapshot has no hosts.</source>
        <translation>Die Momentaufnahme enthält keine Hosts.</translation>
    </message>
    <message>
        <source>AVMA inventory</source>
        <translation>AVMA-Inventar</translation>
    </message>
</context>
<context>
    <name>ResultsModel</name>
    <message>
        <source>Result</source>
        <translation>Ergebnis</translation>
    </message>
    <message>
        <source>VM</source>
        <translation>VM</translation>
    </message>
    <message>
        <source>Host</source>
        <translation>Host</translation>
    </message>
    <message>
        <source>Before → after</source>
        <translation>Vorher → nachher</translation>
    </message>
    <message>
        <source>AVMA outcome</source>
        <translation>AVMA-Ergebnis</translation>
    </message>
    <message>
        <source>Events</source>
        <translation>Ereignisse</translation>
    </message>
    <message>
        <source>Error</source>
        <translation>Fehler</translation>
    </message>
    <message>
        <source>Not attempted</source>
        <translation>Nicht versucht</translation>
    </message>
</context>
<context>
    <name>ScanController</name>
    <message numerus="yes">
        <source>%n hosts</source>
        <translation>
            <numerusform>%n Host</numerusform>
            <numerusform>%n Hosts</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n VMs</source>
        <translation>
            <numerusform>%n VM</numerusform>
            <numerusform>%n VMs</numerusform>
        </translation>
    </message>
    <message>
        <source>Scan cancelled after {seconds} s: {hosts}, {vms} so far</source>
        <translation>Scan nach {seconds} s abgebrochen: bisher {hosts}, {vms}</translation>
    </message>
    <message>
        <source>Scanned {hosts}, {vms} in {seconds} s</source>
        <translation>{hosts}, {vms} in {seconds} s gescannt</translation>
    </message>
    <message>
        <source>; hosts that could not be queried: {count} (see Errors)</source>
        <translation>; nicht abfragbare Hosts: {count} (siehe Fehler)</translation>
    </message>
</context>
<context>
    <name>Session</name>
    <message>
        <source>Starting the demo lab (a simulated Hyper-V fleet on 127.0.0.1)…</source>
        <translation>Demolabor wird gestartet (eine simulierte Hyper-V-Flotte auf 127.0.0.1)…</translation>
    </message>
    <message>
        <source>The demo lab did not start</source>
        <translation>Das Demolabor ist nicht gestartet</translation>
    </message>
    <message>
        <source>The demo inventory could not be read</source>
        <translation>Das Demoinventar konnte nicht gelesen werden</translation>
    </message>
    <message>
        <source>Demo lab running with {count} hosts</source>
        <translation>Demolabor läuft mit {count} Hosts</translation>
    </message>
    <message>
        <source>The inventory could not be opened</source>
        <translation>Das Inventar konnte nicht geöffnet werden</translation>
    </message>
    <message>
        <source>Opened {path}: {count} entries</source>
        <translation>{path} geöffnet: {count} Einträge</translation>
    </message>
    <message>
        <source>The inventory could not be saved</source>
        <translation>Das Inventar konnte nicht gespeichert werden</translation>
    </message>
    <message>
        <source>Saved {path}</source>
        <translation>{path} gespeichert</translation>
    </message>
    <message>
        <source>Export failed</source>
        <translation>Export fehlgeschlagen</translation>
    </message>
    <message>
        <source>{path}: {reason}; choose a writable folder</source>
        <translation>{path}: {reason}; wählen Sie einen beschreibbaren Ordner</translation>
    </message>
    <message>
        <source>Exported {count} hosts to {path}</source>
        <translation>{count} Hosts nach {path} exportiert</translation>
    </message>
</context>
<context>
    <name>Severity</name>
    <message>
        <source>Error</source>
        <translation>Fehler</translation>
    </message>
    <message>
        <source>Warning</source>
        <translation>Warnung</translation>
    </message>
    <message>
        <source>Info</source>
        <translation>Information</translation>
    </message>
</context>
<context>
    <name>State</name>
    <message>
        <source>Licensed through AVMA</source>
        <translation>Über AVMA lizenziert</translation>
    </message>
    <message>
        <source>Licensed through another channel (retail, OEM, MAK or KMS)</source>
        <translation>Über einen anderen Kanal lizenziert (Retail, OEM, MAK oder KMS)</translation>
    </message>
    <message>
        <source>Not yet activated: in a grace or notification period</source>
        <translation>Noch nicht aktiviert: im Toleranzzeitraum oder Benachrichtigungsmodus</translation>
    </message>
    <message>
        <source>AVMA refused: the host cannot activate this guest version or edition</source>
        <translation>AVMA abgelehnt: Der Host kann diese Gastversion oder -edition nicht aktivieren</translation>
    </message>
    <message>
        <source>The host does not answer AVMA requests or is not a supported host</source>
        <translation>Der Host beantwortet keine AVMA-Anforderungen oder ist kein unterstützter Host</translation>
    </message>
    <message>
        <source>Host and guest could not exchange activation data</source>
        <translation>Host und Gast konnten keine Aktivierungsdaten austauschen</translation>
    </message>
    <message>
        <source>Not activated, and no grace period left</source>
        <translation>Nicht aktiviert, kein Toleranzzeitraum mehr</translation>
    </message>
    <message>
        <source>No evidence yet (VM off, no events, no guest access)</source>
        <translation>Noch keine Nachweise (VM aus, keine Ereignisse, kein Gastzugriff)</translation>
    </message>
    <message>
        <source>The host could not be queried</source>
        <translation>Der Host konnte nicht abgefragt werden</translation>
    </message>
    <message>
        <source>AVMA activated</source>
        <translation>Über AVMA aktiviert</translation>
    </message>
    <message>
        <source>Activated (other channel)</source>
        <translation>Aktiviert (anderer Kanal)</translation>
    </message>
    <message>
        <source>Grace period</source>
        <translation>Toleranzzeitraum</translation>
    </message>
    <message>
        <source>Activation denied</source>
        <translation>Aktivierung verweigert</translation>
    </message>
    <message>
        <source>Invalid host</source>
        <translation>Ungültiger Host</translation>
    </message>
    <message>
        <source>Invalid data</source>
        <translation>Ungültige Daten</translation>
    </message>
    <message>
        <source>Unlicensed</source>
        <translation>Nicht lizenziert</translation>
    </message>
    <message>
        <source>Unknown</source>
        <translation>Unbekannt</translation>
    </message>
    <message>
        <source>Unreachable</source>
        <translation>Nicht erreichbar</translation>
    </message>
    <message>
        <source>At risk</source>
        <translation>Gefährdet</translation>
    </message>
    <message>
        <source>Not applicable</source>
        <translation>Nicht zutreffend</translation>
    </message>
    <message>
        <source>No AVMA evidence</source>
        <translation>Kein AVMA-Nachweis</translation>
    </message>
    <message>
        <source>A cluster node it may fail over to cannot activate it: there it would lose (or never get) activation</source>
        <translation>Ein Clusterknoten, auf den sie per Failover wechseln kann, kann sie nicht aktivieren: Dort verlöre sie die Aktivierung (oder bekäme sie nie)</translation>
    </message>
    <message>
        <source>Not a Windows Server guest (client OS or another system): AVMA does not apply, not a problem</source>
        <translation>Kein Windows Server-Gast (Clientbetriebssystem oder anderes System): AVMA gilt hier nicht, kein Problem</translation>
    </message>
    <message>
        <source>Running, but no AVMA activation from its host was ever seen and its licence was not read: it may use another key (scan with guest credentials to be sure)</source>
        <translation>Läuft, aber eine AVMA-Aktivierung durch ihren Host wurde nie gesehen und ihre Lizenz nicht gelesen: Sie verwendet möglicherweise einen anderen Schlüssel (scannen Sie mit Gastanmeldeinformationen, um sicherzugehen)</translation>
    </message>
</context>
<context>
    <name>StateFilterBar</name>
    <message>
        <source>Problems only</source>
        <translation>Nur Probleme</translation>
    </message>
    <message>
        <source>Show only VMs that are not activated (and unreachable hosts); at-risk VMs have their own toggle</source>
        <translation>Nur nicht aktivierte VMs (und nicht erreichbare Hosts) zeigen; gefährdete VMs haben einen eigenen Schalter</translation>
    </message>
    <message>
        <source>{label}: {meaning}
Click to hide or show these rows.</source>
        <translation>{label}: {meaning}
Klicken, um diese Zeilen aus- oder einzublenden.</translation>
    </message>
</context>
<context>
    <name>TaskRunner</name>
    <message>
        <source>Unexpected error in {task}</source>
        <translation>Unerwarteter Fehler in {task}</translation>
    </message>
</context>
<context>
    <name>Timeline</name>
    <message>
        <source>Key pushed</source>
        <translation>Schlüssel installiert</translation>
    </message>
    <message>
        <source>Data Exchange enabled</source>
        <translation>Datenaustausch aktiviert</translation>
    </message>
    <message>
        <source>KVP items cleaned up</source>
        <translation>KVP-Elemente bereinigt</translation>
    </message>
    <message>
        <source>State</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>Host</source>
        <translation>Host</translation>
    </message>
    <message>
        <source>AVMA events</source>
        <translation>AVMA-Ereignisse</translation>
    </message>
    <message>
        <source>Changes</source>
        <translation>Änderungen</translation>
    </message>
    <message>
        <source>Operator</source>
        <translation>Bediener</translation>
    </message>
    <message>
        <source>All history</source>
        <translation>Gesamter Verlauf</translation>
    </message>
    <message>
        <source>Since the first scan</source>
        <translation>Seit dem ersten Scan</translation>
    </message>
    <message>
        <source>Last 24 hours</source>
        <translation>Letzte 24 Stunden</translation>
    </message>
    <message>
        <source>Last 7 days</source>
        <translation>Letzte 7 Tage</translation>
    </message>
    <message>
        <source>Last 30 days</source>
        <translation>Letzte 30 Tage</translation>
    </message>
    <message>
        <source>Last 12 months</source>
        <translation>Letzte 12 Monate</translation>
    </message>
    <message>
        <source>not seen</source>
        <translation>nicht gesehen</translation>
    </message>
    <message>
        <source>changed</source>
        <translation>geändert</translation>
    </message>
    <message>
        <source>change seen by a scan</source>
        <translation>von einem Scan erkannte Änderung</translation>
    </message>
    <message>
        <source>operator action</source>
        <translation>Bedieneraktion</translation>
    </message>
    <message>
        <source>appeared on {host}</source>
        <translation>auf {host} erschienen</translation>
    </message>
    <message>
        <source>gone from {host}</source>
        <translation>von {host} verschwunden</translation>
    </message>
    <message>
        <source>VM: {name}</source>
        <translation>VM: {name}</translation>
    </message>
    <message>
        <source>By: {who}</source>
        <translation>Von: {who}</translation>
    </message>
    <message>
        <source>From {start} (first seen) to {end}</source>
        <translation>Von {start} (zuerst gesehen) bis {end}</translation>
    </message>
    <message>
        <source>Last seen {last} on {host}; {scans} scan(s)</source>
        <translation>Zuletzt gesehen {last} auf {host}; {scans} Scan(s)</translation>
    </message>
    <message>
        <source>moved to {host}</source>
        <translation>nach {host} verschoben</translation>
    </message>
    <message>
        <source>key {key}</source>
        <translation>Schlüssel {key}</translation>
    </message>
    <message>
        <source>Appeared on {host} as {state}</source>
        <translation>Auf {host} erschienen als {state}</translation>
    </message>
    <message>
        <source>Host: {host}</source>
        <translation>Host: {host}</translation>
    </message>
    <message>
        <source>Key: …{last5}</source>
        <translation>Schlüssel: …{last5}</translation>
    </message>
    <message>
        <source>Error: {error}</source>
        <translation>Fehler: {error}</translation>
    </message>
    <message>
        <source>No longer on {host} (last {state})</source>
        <translation>Nicht mehr auf {host} (zuletzt {state})</translation>
    </message>
    <message>
        <source>State: {before} → {after}</source>
        <translation>Status: {before} → {after}</translation>
    </message>
    <message>
        <source>Host: {before} → {after}</source>
        <translation>Host: {before} → {after}</translation>
    </message>
    <message>
        <source>Key: {before} → {after}</source>
        <translation>Schlüssel: {before} → {after}</translation>
    </message>
    <message>
        <source>Select a VM to see its history.</source>
        <translation>VM auswählen, um ihren Verlauf zu sehen.</translation>
    </message>
    <message>
        <source>before the first recorded scan</source>
        <translation>vor dem ersten aufgezeichneten Scan</translation>
    </message>
    <message>
        <source>No history recorded for this VM yet.</source>
        <translation>Für diese VM ist noch kein Verlauf aufgezeichnet.</translation>
    </message>
    <message>
        <source>Now: {state} on {host}</source>
        <translation>Jetzt: {state} auf {host}</translation>
    </message>
    <message>
        <source>VM {id} · {scans} scan(s), {first} – {last}</source>
        <translation>VM {id} · {scans} Scan(s), {first} – {last}</translation>
    </message>
    <message>
        <source>VM {id} · not in any recorded scan</source>
        <translation>VM {id} · in keinem aufgezeichneten Scan</translation>
    </message>
    <message>
        <source>On {host}
From {start} to {end}; {scans} scan(s)</source>
        <translation>Auf {host}
Von {start} bis {end}; {scans} Scan(s)</translation>
    </message>
    <message>
        <source>{count} earlier, before the shown range</source>
        <translation>{count} früher, vor dem gezeigten Bereich</translation>
    </message>
    <message>
        <source>{count} later, after the shown range</source>
        <translation>{count} später, nach dem gezeigten Bereich</translation>
    </message>
    <message>
        <source>Also named {name}</source>
        <translation>Auch {name} genannt</translation>
    </message>
    <message>
        <source>also named {names}</source>
        <translation>auch {names} genannt</translation>
    </message>
    <message>
        <source>… and {count} more</source>
        <translation>… und {count} weitere</translation>
    </message>
    <message>
        <source>Scanned {when}</source>
        <translation>Gescannt {when}</translation>
    </message>
    <message>
        <source>Select a VM in the tree to see its history.</source>
        <translation>VM in der Struktur auswählen, um ihren Verlauf zu sehen.</translation>
    </message>
    <message>
        <source>The history could not be read.</source>
        <translation>Der Verlauf konnte nicht gelesen werden.</translation>
    </message>
    <message>
        <source>Show:</source>
        <translation>Zeigen:</translation>
    </message>
    <message>
        <source>Select a VM to see its states, hosts, changes and actions over time.</source>
        <translation>VM auswählen, um ihre Status, Hosts, Änderungen und Aktionen im Zeitverlauf zu sehen.</translation>
    </message>
    <message>
        <source>Reading the history of {name}…</source>
        <translation>Verlauf von {name} wird gelesen…</translation>
    </message>
    <message>
        <source>The history could not be read: {error}</source>
        <translation>Der Verlauf konnte nicht gelesen werden: {error}</translation>
    </message>
    <message>
        <source>{name} is not in the history yet: it appears after the next recorded scan.</source>
        <translation>{name} ist noch nicht im Verlauf: Sie erscheint nach dem nächsten aufgezeichneten Scan.</translation>
    </message>
    <message>
        <source>No history for {name} yet.</source>
        <translation>Noch kein Verlauf für {name}.</translation>
    </message>
    <message>
        <source>{name}: {states} state period(s), {hosts} host(s), {events} AVMA events, {changes} changes, {actions} operator actions</source>
        <translation>{name}: {states} Statusabschnitt(e), {hosts} Host(s), {events} AVMA-Ereignisse, {changes} Änderungen, {actions} Bedieneraktionen</translation>
    </message>
</context>
<context>
    <name>UnattendDialog</name>
    <message>
        <source>Unattend snippet: AVMA key at setup</source>
        <translation>Unattend-Ausschnitt: AVMA-Schlüssel beim Setup</translation>
    </message>
    <message>
        <source>Put this into the answer file of a VM template (specialize pass): the VM installs its AVMA key during setup and activates through its Hyper-V host on first boot.</source>
        <translation>Fügen Sie dies in die Antwortdatei einer VM-Vorlage ein (Phase „specialize“): Die VM installiert ihren AVMA-Schlüssel beim Setup und wird beim ersten Start über ihren Hyper-V-Host aktiviert.</translation>
    </message>
    <message>
        <source>Windows Server {version}</source>
        <translation>Windows Server {version}</translation>
    </message>
    <message>
        <source>Version</source>
        <translation>Version</translation>
    </message>
    <message>
        <source>Edition</source>
        <translation>Edition</translation>
    </message>
    <message>
        <source>Copy to clipboard</source>
        <translation>In die Zwischenablage kopieren</translation>
    </message>
    <message>
        <source>Save…</source>
        <translation>Speichern…</translation>
    </message>
    <message>
        <source>AVMA key of Windows Server {version} {edition}: {key}</source>
        <translation>AVMA-Schlüssel von Windows Server {version} {edition}: {key}</translation>
    </message>
    <message>
        <source>Save unattend snippet</source>
        <translation>Unattend-Ausschnitt speichern</translation>
    </message>
    <message>
        <source>Cannot write {path}: {reason}; choose a writable folder</source>
        <translation>{path} kann nicht geschrieben werden: {reason}; wählen Sie einen beschreibbaren Ordner</translation>
    </message>
</context>
</TS>
