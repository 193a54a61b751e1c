"""Unattend answer-file fragments that give a new VM its AVMA key at setup.

The key goes into the `Microsoft-Windows-Shell-Setup` component of the `specialize` pass as `<ProductKey>`
(29 characters with dashes), so a VM deployed from a template activates through AVMA on first boot.
"""

from __future__ import annotations

from xml.etree import ElementTree
from xml.sax.saxutils import escape

from avma_console.domain.keys import avma_key_for, validate_key
from avma_console.domain.versions import Edition, ServerVersion

UNATTEND_NAMESPACE = "urn:schemas-microsoft-com:unattend"
_WCM_NAMESPACE = "http://schemas.microsoft.com/WMIConfig/2002/State"
_XSI_NAMESPACE = "http://www.w3.org/2001/XMLSchema-instance"
# The attributes Windows System Image Manager writes for this component on 64-bit Windows Server.
COMPONENT_ATTRIBUTES: dict[str, str] = {
    "name": "Microsoft-Windows-Shell-Setup",
    "processorArchitecture": "amd64",
    "publicKeyToken": "31bf3856ad364e35",
    "language": "neutral",
    "versionScope": "nonSxS",
}


class UnattendError(ValueError):
    """No fragment can be made; the message says why and what to choose instead."""


def unattend_product_key_xml(version: ServerVersion, edition: Edition) -> str:
    """A complete, well-formed unattend document setting the AVMA key of this version and edition."""
    key = avma_key_for(version, edition)
    if key is None:
        raise UnattendError(
            f"AVMA has no key for Windows Server {version.label} {edition.label}; "
            "AVMA keys exist for the Datacenter, Datacenter: Azure Edition, Standard and (some) Essentials editions"
        )
    comment = (
        f"AVMA key for Windows Server {version.label} {edition.label} (a public generic key): the VM activates "
        "through its Hyper-V host, which must be an activated Datacenter edition of the same or a newer version."
    )
    return product_key_xml(key, comment=comment)


def product_key_xml(key: str, *, comment: str | None = None) -> str:
    """The specialize-pass fragment for any product key (validated first: a typo would only fail at setup)."""
    normalized = validate_key(key)
    attributes = " ".join(f'{name}="{value}"' for name, value in COMPONENT_ATTRIBUTES.items())
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        f'<unattend xmlns="{UNATTEND_NAMESPACE}">',
        '  <settings pass="specialize">',
        f'    <component {attributes} xmlns:wcm="{_WCM_NAMESPACE}" xmlns:xsi="{_XSI_NAMESPACE}">',
    ]
    if comment:
        # "--" may not appear inside an XML comment.
        lines.append(f"      <!-- {escape(comment).replace('--', '- -')} -->")
    lines += [
        f"      <ProductKey>{normalized}</ProductKey>",
        "    </component>",
        "  </settings>",
        "</unattend>",
    ]
    document = "\n".join(lines) + "\n"
    _check(document, normalized)
    return document


def _check(document: str, key: str) -> None:
    # Parsed back before anyone copies it into an image: a broken answer file fails silently at setup.
    root = ElementTree.fromstring(document.encode("utf-8"))  # noqa: S314 - our own text, no entities
    found = root.findall(f"{{{UNATTEND_NAMESPACE}}}settings/{{{UNATTEND_NAMESPACE}}}component")
    if len(found) != 1 or found[0].findtext(f"{{{UNATTEND_NAMESPACE}}}ProductKey") != key:
        raise UnattendError("the generated unattend fragment did not parse back to its key")  # a bug, not input
