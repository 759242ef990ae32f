"""A hostile-input-safe XML parser built on expat and ElementTree's TreeBuilder.

``defusedxml`` is not installed in this project, so this module does what it would: the
document may not contain a DTD at all (``<!DOCTYPE``), which makes entity declarations -
billion laughs, quadratic blow-up, external entities pointing at local files or URLs -
impossible; expat never fetches anything by itself, and parameter-entity parsing is switched
off as well. The UN consolidated list has no DTD, so nothing legitimate is refused.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any, NoReturn
from xml.parsers import expat

__all__ = ["UnsafeXMLError", "parse_xml_bytes"]


class UnsafeXMLError(ValueError):
    """The document declares a DTD or entities, which this parser refuses."""


def _refuse(*_args: Any) -> NoReturn:
    raise UnsafeXMLError("XML with a DTD or entity declarations is not accepted")


def parse_xml_bytes(data: bytes) -> ET.Element:
    """Parse ``data`` into an ElementTree element, refusing any DTD or entity.

    Raises :class:`UnsafeXMLError` for a DTD, :class:`xml.etree.ElementTree.ParseError`
    for malformed XML. Namespace prefixes are kept as written (``xsi:...`` attributes).
    """
    builder = ET.TreeBuilder()
    parser = expat.ParserCreate()
    parser.buffer_text = True
    parser.ordered_attributes = False
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = _refuse
    parser.EntityDeclHandler = _refuse
    parser.UnparsedEntityDeclHandler = _refuse
    parser.ExternalEntityRefHandler = _refuse
    parser.StartElementHandler = builder.start
    parser.EndElementHandler = builder.end
    parser.CharacterDataHandler = builder.data
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        error = ET.ParseError(str(exc))
        error.position = (exc.lineno, exc.offset)
        raise error from exc
    root: ET.Element = builder.close()
    return root
