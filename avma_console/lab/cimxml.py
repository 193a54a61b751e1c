"""KVP items as Hyper-V's WMI provider returns them: embedded CIM-XML `Msvm_KvpExchangeDataItem` instances."""

from __future__ import annotations

from xml.sax.saxutils import escape

SOURCE_HOST = 0
SOURCE_GUEST = 1
SOURCE_INTRINSIC = 2


def kvp_item_xml(name: str, data: str, source: int) -> str:
    """One item, properties in the provider's alphabetical order; Caption/Description/ElementName empty."""

    def empty(prop: str) -> str:
        return f'<PROPERTY NAME="{prop}" PROPAGATED="true" TYPE="string"></PROPERTY>'

    return (
        '<INSTANCE CLASSNAME="Msvm_KvpExchangeDataItem">'
        + empty("Caption")
        + f'<PROPERTY NAME="Data" TYPE="string"><VALUE>{escape(data)}</VALUE></PROPERTY>'
        + empty("Description")
        + empty("ElementName")
        + f'<PROPERTY NAME="Name" TYPE="string"><VALUE>{escape(name)}</VALUE></PROPERTY>'
        + f'<PROPERTY NAME="Source" TYPE="uint16"><VALUE>{source}</VALUE></PROPERTY>'
        + "</INSTANCE>"
    )
