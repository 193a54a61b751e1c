"""The WinRM client through real pywinrm against the lab: transports, TLS, typed errors, clean-up."""

from __future__ import annotations

import base64
import os

import pytest
import winrm
from fleet_support import LAB_PASSWORD, LabStarter, demo_fleet, fleet_of

from avma_console.remote.client import Endpoint, WinRmClient
from avma_console.remote.errors import ErrorKind, Messages, RemoteError
from avma_console.remote.host_document import parse_host_document
from avma_console.remote.parsing import parse_json_document
from avma_console.remote.scanner import ScanTarget, scan_host
from avma_console.remote.scripts import script_text

ONE_HOST = {
    "hosts": [
        {
            "name": "HV1",
            "version": "2022",
            "edition": "Datacenter",
            "activated": True,
            "hyperv": True,
            "vms": [{"name": "web-01", "guest_version": "2022", "guest_edition": "Standard", "key": "avma"}],
        },
    ]
}


def endpoint(lab_endpoint: object, **kwargs: object) -> Endpoint:
    url = lab_endpoint.url  # type: ignore[attr-defined]
    options: dict[str, object] = {"transport": lab_endpoint.auth, "username": "LAB\\operator"}  # type: ignore[attr-defined]
    options.update(kwargs)
    return Endpoint(host=lab_endpoint.host_name, url=url, **options)  # type: ignore[attr-defined,arg-type]


def inventory_of(client: WinRmClient) -> dict[str, object]:
    return parse_json_document(client.run_json_script("host_inventory", {"since": None, "max_events": 50}))


@pytest.mark.parametrize(
    ("auth", "tls", "insecure"),
    [("basic", False, True), ("basic", True, False), ("ntlm", False, False), ("ntlm", True, False)],
    ids=["http-basic-allowed-insecure", "https-basic-verified", "http-ntlm-encrypted", "https-ntlm"],
)
def test_inventory_script_runs_over_every_transport(
    start_lab: LabStarter, auth: str, tls: bool, insecure: bool
) -> None:
    fleet = fleet_of(ONE_HOST)
    lab = start_lab(fleet, auth=auth, tls=tls, allow_unencrypted_basic=insecure)
    target = endpoint(lab.endpoints[0], ca_bundle=str(lab.ca_file) if tls else None, allow_insecure=insecure)
    with WinRmClient(target, LAB_PASSWORD) as client:
        document = inventory_of(client)
    scan = parse_host_document(document, "HV1")
    assert scan.record.version is not None and scan.record.version.value == "2022"
    assert [vm.name for vm in scan.record.vms] == ["web-01"]
    assert lab.open_shells("HV1") == 0, "the client must delete its shell"


def test_a_new_session_never_deletes_from_the_environment(
    start_lab: LabStarter, monkeypatch: pytest.MonkeyPatch
) -> None:
    """requests' proxy look-up for a new session deleted os.environ["no_proxy"] behind it; a scan thread iterating
    the environment at that moment failed its host with KeyError (seen in concurrent pushes)."""
    deleted: list[str] = []
    original = os._Environ.__delitem__  # type: ignore[attr-defined]

    def recording_delete(environ: object, key: str) -> None:
        deleted.append(key)
        original(environ, key)

    monkeypatch.setattr(os._Environ, "__delitem__", recording_delete)  # type: ignore[attr-defined]
    fleet = fleet_of(ONE_HOST)
    lab = start_lab(fleet)
    with WinRmClient(endpoint(lab.endpoints[0]), LAB_PASSWORD) as client:
        inventory_of(client)
    assert deleted == []


def test_the_script_reaches_the_host_although_it_is_longer_than_a_command_line(start_lab: LabStarter) -> None:
    fleet = fleet_of(ONE_HOST)
    lab = start_lab(fleet, auth="basic", allow_unencrypted_basic=True)
    script = script_text("host_inventory")
    encoded = base64.b64encode(script.encode("utf-16-le")).decode()
    assert len(encoded) > 8191, "the inventory script must be long enough to prove the point"
    # Sent the naive way (pywinrm's run_ps puts it on the command line), cmd.exe refuses it ...
    session = winrm.Session(
        lab.endpoints[0].url, auth=("LAB\\operator", LAB_PASSWORD), transport="basic", proxy=None, ca_trust_path=None
    )
    naive = session.run_ps(script)
    assert naive.status_code == 1
    assert b"The command line is too long." in naive.std_err
    # ... while the console's bootstrap + stdin path runs it.
    with WinRmClient(endpoint(lab.endpoints[0], allow_insecure=True), LAB_PASSWORD) as client:
        assert inventory_of(client)["Schema"] == 1


def test_wrong_password_is_an_auth_error_naming_the_user(start_lab: LabStarter) -> None:
    lab = start_lab(fleet_of(ONE_HOST))
    with pytest.raises(RemoteError) as caught, WinRmClient(endpoint(lab.endpoints[0]), "not-the-password") as client:
        inventory_of(client)
    assert caught.value.kind is ErrorKind.AUTH
    assert "LAB\\operator" in caught.value.message
    assert "not-the-password" not in str(caught.value) + caught.value.fix


def test_untrusted_certificate_is_a_tls_error_with_the_fix(start_lab: LabStarter) -> None:
    lab = start_lab(fleet_of(ONE_HOST), auth="basic", tls=True)
    with pytest.raises(RemoteError) as caught, WinRmClient(endpoint(lab.endpoints[0]), LAB_PASSWORD) as client:
        inventory_of(client)
    assert caught.value.kind is ErrorKind.TLS
    assert "ca_bundle" in caught.value.fix


def test_basic_over_plain_http_is_refused_before_anything_is_sent(start_lab: LabStarter) -> None:
    lab = start_lab(fleet_of(ONE_HOST), auth="basic", allow_unencrypted_basic=True)
    with pytest.raises(RemoteError) as caught:
        WinRmClient(endpoint(lab.endpoints[0]), LAB_PASSWORD)
    assert caught.value.kind is ErrorKind.INSECURE
    assert lab.requests_seen("HV1") == 0


def test_unresolvable_name_is_a_dns_error() -> None:
    target = Endpoint(host="hv-nowhere", url="http://hv-nowhere.invalid:5985/wsman", username="x")
    with pytest.raises(RemoteError) as caught, WinRmClient(target, "x") as client:
        inventory_of(client)
    assert caught.value.kind is ErrorKind.DNS
    assert "hv-nowhere.invalid" in caught.value.message


@pytest.mark.parametrize(
    ("fault", "kind"),
    [
        ("refuse", ErrorKind.REFUSED),
        ("auth", ErrorKind.AUTH),
        ("http500", ErrorKind.WSMAN_FAULT),
        ("garble", ErrorKind.PROTOCOL),
        ("truncate", ErrorKind.PROTOCOL),
    ],
)
def test_each_fault_becomes_its_typed_error(start_lab: LabStarter, fault: str, kind: ErrorKind) -> None:
    lab = start_lab(fleet_of(ONE_HOST))
    lab.set_fault("HV1", fault)
    outcome = scan_host(ScanTarget(endpoint(lab.endpoints[0]), LAB_PASSWORD), retries=0)
    assert outcome.error is not None
    assert outcome.error.kind is kind, outcome.error
    assert outcome.error.fix


@pytest.mark.parametrize(
    ("fault", "kind", "message"),
    [
        ("receive_truncate", ErrorKind.PROTOCOL, Messages.CUT_OFF),
        ("receive_hang", ErrorKind.TIMEOUT, "accepted the connection but did not answer in time"),
        ("receive_reset", ErrorKind.PROTOCOL, "closed the connection"),
    ],
)
def test_a_fault_under_a_sealed_message_becomes_its_typed_error(
    start_lab: LabStarter, fault: str, kind: ErrorKind, message: str
) -> None:
    """Over NTLM the messages after the first go out sealed on the authenticated connection (client.py's
    `_PoolSender`): its errors must read as those of every other message."""
    lab = start_lab(fleet_of(ONE_HOST), auth="ntlm")
    lab.set_fault("HV1", fault)
    target = endpoint(lab.endpoints[0], operation_timeout_s=1, read_timeout_s=2)
    outcome = scan_host(ScanTarget(target, LAB_PASSWORD), retries=0)
    assert outcome.error is not None
    assert outcome.error.kind is kind, outcome.error
    assert message in outcome.error.message
    assert outcome.seconds < 10


def test_a_hanging_host_times_out_within_its_read_timeout(start_lab: LabStarter) -> None:
    lab = start_lab(fleet_of(ONE_HOST))
    lab.set_fault("HV1", "hang")
    target = endpoint(lab.endpoints[0], operation_timeout_s=1, read_timeout_s=2)
    outcome = scan_host(ScanTarget(target, LAB_PASSWORD), retries=0)
    assert outcome.error is not None and outcome.error.kind is ErrorKind.TIMEOUT
    assert outcome.seconds < 10


def test_a_flaky_host_succeeds_after_a_retry(start_lab: LabStarter) -> None:
    lab = start_lab(fleet_of(ONE_HOST))
    lab.set_fault("HV1", "flaky")
    outcomes = [scan_host(ScanTarget(endpoint(lab.endpoints[0]), LAB_PASSWORD)) for _ in range(4)]
    assert all(outcome.error is None for outcome in outcomes), [o.error for o in outcomes]
    assert any(outcome.attempts > 1 for outcome in outcomes), "the 3rd shell Create fails: one scan must have retried"


def test_a_script_error_on_the_host_is_reported_with_powershells_text(start_lab: LabStarter) -> None:
    lab = start_lab(fleet_of(ONE_HOST))
    with pytest.raises(RemoteError) as caught, WinRmClient(endpoint(lab.endpoints[0]), LAB_PASSWORD) as client:
        client.run_json_script("host_inventory", {"since": "yesterday-ish", "max_events": 5})
    assert caught.value.kind is ErrorKind.SCRIPT
    assert "yesterday-ish" in caught.value.message and "DateTime" in caught.value.message


def test_demo_fleet_guest_credentials_reach_the_guest(start_lab: LabStarter) -> None:
    fleet = demo_fleet()
    lab = start_lab(fleet)
    assert fleet.guest_credentials is not None
    good = {"username": "administrator", "password": fleet.guest_credentials.password}
    bad = {"username": "Administrator", "password": "wrong"}
    host = lab.endpoint("HV-FRA-01")
    with_good = scan_host(ScanTarget(endpoint(host), LAB_PASSWORD, good))
    with_bad = scan_host(ScanTarget(endpoint(host), LAB_PASSWORD, bad))
    assert with_good.scan is not None and with_bad.scan is not None
    web_good = next(vm for vm in with_good.scan.record.vms if vm.name == "web-01")
    web_bad = next(vm for vm in with_bad.scan.record.vms if vm.name == "web-01")
    assert web_good.guest_license is not None and web_good.guest_license.license_status == 1
    assert web_bad.guest_license is None and web_bad.guest_error == "The credential is invalid."


@pytest.mark.parametrize(("tls", "requests"), [(False, 6), (True, 7)], ids=["http-ntlm-encrypted", "https-ntlm"])
def test_a_host_query_costs_six_requests_over_http_and_seven_over_https(
    start_lab: LabStarter, tls: bool, requests: int
) -> None:
    # HTTP: NEGOTIATE rides on the first request, AUTHENTICATE on the second together with the sealed Create (as
    # Windows' own client sends them); then Command, Send, Receive (one: answers of up to 500 KiB), Delete.
    # HTTPS (not sealed): the first request goes unauthenticated, since its answer shows the certificate that
    # channel binding needs, and AUTHENTICATE carries the Create; then Command, Send, Receive, Delete.
    lab = start_lab(fleet_of(ONE_HOST), auth="ntlm", tls=tls)
    target = endpoint(lab.endpoints[0], ca_bundle=str(lab.ca_file) if tls else None)
    outcome = scan_host(ScanTarget(target, LAB_PASSWORD))
    assert outcome.error is None
    assert lab.requests_seen("HV1") == requests
    assert lab.open_shells("HV1") == 0


def test_a_host_configured_below_500_kib_envelopes_is_asked_again_at_150_kib(start_lab: LabStarter) -> None:
    # WinRM 2.0's default MaxEnvelopeSizekb (150), or an administrator's choice: the Create asking for 500 KiB
    # is refused (fault 2150858823) and sent again asking for 150 KiB; the scan reads the same, one request dearer.
    small_host = {**ONE_HOST["hosts"][0], "winrm": {"MaxEnvelopeSizekb": 150}}  # type: ignore[dict-item]
    lab = start_lab(fleet_of({"hosts": [small_host]}), auth="ntlm")
    with WinRmClient(endpoint(lab.endpoints[0]), LAB_PASSWORD) as client:
        document = inventory_of(client)
    assert parse_host_document(document, "HV1").record.vms[0].name == "web-01"
    assert lab.requests_seen("HV1") == 7
    assert lab.open_shells("HV1") == 0
