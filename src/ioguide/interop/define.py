"""Define-XML 2.1 for the SDTM datasets ioguide writes (``odmlib``), checked against the Define-XML 2.1 schema
that ``defineutils`` ships (CDISC Define-XML Specification v2.1, 2019: ItemGroupDef, ItemDef, leaf, Standards).

One ItemGroupDef per dataset with its SDTMIG 3.4 class, structure and keys (KeySequence), one ItemDef per
variable with the length of its longest value (``sdtm.Dataset.length``) and its origin. The XSD check does not
check Define-XML business rules (docs/interop.md).
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Mapping
from pathlib import Path
from xml.etree.ElementTree import ParseError

import odmlib.define_2_1.model as define

from ioguide import __version__
from ioguide.interop.sdtm import Dataset

#: Define-XML 2.1 ``DataType`` for dates kept as ISO 8601 text (Define-XML 2.1 §5.3.11.1).
DATE_VARIABLES = ("DTC",)


def _text(value: str) -> define.Description:
    description = define.Description()
    description.TranslatedText.append(define.TranslatedText(_content=value, lang="en"))
    return description


def define_xml(datasets: Mapping[str, Dataset], study: str, created: dt.datetime | None = None) -> str:
    """The Define-XML 2.1 document (one line of XML) describing ``datasets`` of ``study``."""
    now = (created or dt.datetime.now(dt.UTC)).replace(microsecond=0).isoformat()
    odm = define.ODM(
        FileOID=f"ODM.{study}.SDTM", AsOfDateTime=now, CreationDateTime=now, ODMVersion="1.3.2", FileType="Snapshot",
        Originator="ioguide", SourceSystem="ioguide", SourceSystemVersion=__version__, Context="Other",
    )  # fmt: skip
    body = define.Study(OID=f"ST.{study}")
    body.GlobalVariables = define.GlobalVariables(
        StudyName=define.StudyName(_content=study),
        StudyDescription=define.StudyDescription(_content=f"{study}: SDTM tabulations exported by ioguide"),
        ProtocolName=define.ProtocolName(_content=study),
    )
    mdv = define.MetaDataVersion(
        OID=f"MDV.{study}", Name=f"{study} SDTM", Description="SDTM define", DefineVersion="2.1.0"
    )
    mdv.Standards = define.Standards()
    mdv.Standards.Standard.append(
        define.Standard(OID="STD.SDTMIG.3.4", Name="SDTMIG", Type="IG", Version="3.4", Status="Final")
    )
    items: dict[str, define.ItemDef] = {}
    for name, dataset in datasets.items():
        if not dataset.rows:
            continue
        domain = dataset.domain
        group = define.ItemGroupDef(
            OID=f"IG.{name}", Name=name, Repeating="Yes", Domain=name if not name.startswith("SUPP") else name[4:],
            SASDatasetName=name, IsReferenceData="No", Purpose="Tabulation", Structure=domain.structure,
            ArchiveLocationID=f"LF.{name}", StandardOID="STD.SDTMIG.3.4",
        )  # fmt: skip
        group.Description = _text(domain.label)
        for order, var in enumerate(domain.variables, start=1):
            oid = f"IT.{name}.{var.name}"
            key = domain.keys.index(var.name) + 1 if var.name in domain.keys else None
            mandatory = "Yes" if var.core == "Req" else "No"
            group.ItemRef.append(define.ItemRef(ItemOID=oid, Mandatory=mandatory, OrderNumber=order, KeySequence=key))
            is_date = var.name.endswith(DATE_VARIABLES)
            data_type = "date" if is_date else "float" if var.kind == "Num" else "text"
            item = define.ItemDef(OID=oid, Name=var.name, DataType=data_type, SASFieldName=var.name)
            if not is_date:
                item.Length = dataset.length(var.name)
            item.Description = _text(var.label)
            item.Origin.append(define.Origin(Type=var.origin))
            items[oid] = item
        group.Class = define.Class(Name=domain.sdtm_class)
        group.leaf = define.leaf(
            ID=f"LF.{name}", href=f"{name.lower()}.xpt", title=define.title(_content=f"{name.lower()}.xpt")
        )
        mdv.ItemGroupDef.append(group)
    for item in items.values():
        mdv.ItemDef.append(item)
    body.MetaDataVersion = mdv
    odm.Study = body
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "define.xml"
        odm.write_xml(str(path))
        return path.read_text(encoding="utf-8")


def validate_define(path: Path) -> None:
    """Check ``path`` against the Define-XML 2.1 XSD shipped with ``defineutils``; raise ``ValueError`` if invalid."""
    from defineutils.validate import DefineSchemaValidationError, DefineSchemaValidator

    try:
        DefineSchemaValidator(path).validate_define_file()
    except (DefineSchemaValidationError, ParseError) as exc:
        raise ValueError(f"{path.name} is not valid Define-XML 2.1: {exc}") from exc
