"""Define-XML 2.1 for the SDTM and ADaM datasets ioguide writes (``odmlib``), checked against the Define-XML 2.1
schema that ``defineutils`` ships (CDISC Define-XML Specification v2.1, 2019: ItemGroupDef, ItemDef, CodeList,
leaf, Standards).

One ItemGroupDef per dataset with its class, structure and keys (KeySequence), one ItemDef per variable with the
length of its longest value (``Dataset.length``), its origin and, for a variable bound to a CDISC codelist, a
CodeListRef. Each codelist used is one CodeList holding the terms the data use, each with its NCI code
(``Alias nci:ExtCodeID``); a value that is not a CDISC term (an unmapped location, see ``locations``) is marked
``ExtendedValue="Yes"``. The CT release is a Standard of type CT (``ct``: NCI EVS release date). The XSD check
does not check Define-XML business rules (docs/interop.md).
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import ParseError

import odmlib.define_2_1.model as define

from ioguide import __version__
from ioguide.interop.ct import terminology
from ioguide.interop.sdtm_rows import Dataset

#: Define-XML 2.1 ``DataType`` for dates kept as ISO 8601 text (Define-XML 2.1 §5.3.11.1).
DATE_VARIABLES = ("DTC",)


def _text(value: str) -> define.Description:
    description = define.Description()
    description.TranslatedText.append(define.TranslatedText(_content=value, lang="en"))
    return description


SDTM = ("STD.SDTMIG.3.4", "SDTMIG", "3.4", "Tabulation")
ADAM = ("STD.ADAMIG.1.3", "ADaMIG", "1.3", "Analysis")
CT_OID = "STD.CT.SDTM"


def _codelists(datasets: Mapping[str, Dataset]) -> dict[str, define.CodeList]:
    """One CodeList per CDISC codelist the data use, with the terms used (in the order first met)."""
    ct = terminology()
    used: dict[str, dict[str, None]] = {}
    for data in datasets.values():
        testcd = f"{data.domain.name}TESTCD"
        records = data.records()
        for var in data.domain.variables:
            if var.codelist is None:
                continue
            for row in records:
                name, value = var.codelist_for(row.get(testcd)), row[var.name]
                if name is not None and value is not None:
                    used.setdefault(name, {})[str(value)] = None
    out: dict[str, define.CodeList] = {}
    for name, values in used.items():
        if not values:
            continue
        codes = ct[name]
        item = define.CodeList(OID=f"CL.{name}", Name=codes.label, DataType="text", StandardOID=CT_OID)
        for order, value in enumerate(values, start=1):
            term = codes.terms.get(value)
            entry = define.EnumeratedItem(CodedValue=value, OrderNumber=order)
            if term is None:
                entry.ExtendedValue = "Yes"
            else:
                entry.Alias.append(define.Alias(Context="nci:ExtCodeID", Name=term.code))
            item.EnumeratedItem.append(entry)
        item.Alias.append(define.Alias(Context="nci:ExtCodeID", Name=codes.code))
        out[name] = item
    return out


def _value_list(
    data: Dataset,
    variable: str,
    parent: str,
    codelists: Mapping[str, define.CodeList],
    items: dict[str, define.ItemDef],
    where: dict[str, define.WhereClauseDef],
) -> define.ValueListDef | None:
    """Value-level metadata (Define-XML 2.1 §5.3.8): one ItemDef per --TESTCD of ``variable`` with its own
    codelist, selected by a WhereClauseDef ``--TESTCD EQ value``."""
    domain = data.domain
    var = next(v for v in domain.variables if v.name == variable)
    testcd = f"{domain.name}TESTCD"
    tests = list(dict.fromkeys(str(v) for v in data.column(testcd) if v is not None))
    if not tests:
        return None
    value_list = define.ValueListDef(OID=f"VL.{domain.name}.{variable}")
    for order, test in enumerate(tests, start=1):
        clause_oid = f"WC.{domain.name}.{testcd}.{test}"
        check = define.RangeCheck(Comparator="EQ", SoftHard="Soft", ItemOID=f"IT.{domain.name}.{testcd}")
        check.CheckValue.append(define.CheckValue(_content=test))
        clause = define.WhereClauseDef(OID=clause_oid)
        clause.RangeCheck.append(check)
        where[clause_oid] = clause
        oid = f"{parent}.{test}"
        values = [v for v, t in zip(data.column(variable), data.column(testcd), strict=True) if t == test and v]
        item = define.ItemDef(
            OID=oid, Name=variable, DataType="text", SASFieldName=variable,
            Length=max([1, *(len(str(v).encode()) for v in values)]),
        )  # fmt: skip
        item.Description = _text(f"{var.label} ({test})")
        name = var.codelist_for(test)
        if name in codelists:
            item.CodeListRef = define.CodeListRef(CodeListOID=f"CL.{name}")
        item.Origin.append(define.Origin(Type=var.origin))
        items[oid] = item
        ref = define.ItemRef(ItemOID=oid, Mandatory="No", OrderNumber=order)
        ref.WhereClauseRef.append(define.WhereClauseRef(WhereClauseOID=clause_oid))
        value_list.ItemRef.append(ref)
    return value_list


def define_xml(
    datasets: Mapping[str, Dataset],
    study: str,
    created: dt.datetime | None = None,
    standard: tuple[str, str, str, str] = SDTM,
) -> str:
    """The Define-XML 2.1 document (one line of XML) describing ``datasets`` of ``study`` under ``standard``
    (:data:`SDTM` or :data:`ADAM`)."""
    std_oid, std_name, std_version, purpose = standard
    kind = "SDTM" if purpose == "Tabulation" else "ADaM"
    now = (created or dt.datetime.now(dt.UTC)).replace(microsecond=0).isoformat()
    odm = define.ODM(
        FileOID=f"ODM.{study}.{kind}", AsOfDateTime=now, CreationDateTime=now, ODMVersion="1.3.2", FileType="Snapshot",
        Originator="ioguide", SourceSystem="ioguide", SourceSystemVersion=__version__, Context="Other",
    )  # fmt: skip
    body = define.Study(OID=f"ST.{study}")
    body.GlobalVariables = define.GlobalVariables(
        StudyName=define.StudyName(_content=study),
        StudyDescription=define.StudyDescription(_content=f"{study}: {kind} datasets exported by ioguide"),
        ProtocolName=define.ProtocolName(_content=study),
    )
    mdv = define.MetaDataVersion(
        OID=f"MDV.{study}.{kind}", Name=f"{study} {kind}", Description=f"{kind} define", DefineVersion="2.1.0"
    )
    mdv.Standards = define.Standards()
    mdv.Standards.Standard.append(
        define.Standard(OID=std_oid, Name=std_name, Type="IG", Version=std_version, Status="Final")
    )
    codelists = _codelists(datasets)
    if codelists:
        mdv.Standards.Standard.append(
            define.Standard(
                OID=CT_OID, Name="CDISC/NCI", Type="CT", PublishingSet="SDTM", Version=terminology().release,
                Status="Final",
            )
        )  # fmt: skip
    items: dict[str, define.ItemDef] = {}
    where: dict[str, define.WhereClauseDef] = {}
    for name, dataset in datasets.items():
        if not dataset.rows:
            continue
        domain = dataset.domain
        group = define.ItemGroupDef(
            OID=f"IG.{name}", Name=name, Repeating="No" if name in ("DM", "ADSL") else "Yes",
            SASDatasetName=name, IsReferenceData="No", Purpose=purpose, Structure=domain.structure,
            ArchiveLocationID=f"LF.{name}", StandardOID=std_oid,
        )  # fmt: skip
        if kind == "SDTM":
            group.Domain = name[4:] if name.startswith("SUPP") else name
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
            if var.format is not None:
                item.DataType, item.DisplayFormat = "integer", var.format
            item.Description = _text(var.label)
            if var.codelist in codelists:
                item.CodeListRef = define.CodeListRef(CodeListOID=f"CL.{var.codelist}")
            item.Origin.append(define.Origin(Type=var.origin))
            items[oid] = item
            if var.by_test:
                value_list = _value_list(dataset, var.name, oid, codelists, items, where)
                if value_list is not None:
                    item.ValueListRef = define.ValueListRef(ValueListOID=value_list.OID)
                    mdv.ValueListDef.append(value_list)
        group.Class = define.Class(Name=domain.sdtm_class)
        group.leaf = define.leaf(
            ID=f"LF.{name}", href=f"{name.lower()}.xpt", title=define.title(_content=f"{name.lower()}.xpt")
        )
        mdv.ItemGroupDef.append(group)
    for item in items.values():
        mdv.ItemDef.append(item)
    for clause in where.values():
        mdv.WhereClauseDef.append(clause)
    for codelist in codelists.values():
        mdv.CodeList.append(codelist)
    body.MetaDataVersion = mdv
    odm.Study = body
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "define.xml"
        odm.write_xml(str(path))
        return path.read_text(encoding="utf-8")


@cache
def _schema() -> Any:
    """The Define-XML 2.1 XSD that ``defineutils`` ships, loaded once per process (loading it costs about as much
    as validating a 200-patient define.xml)."""
    from defineutils.validate import DefineSchemaValidator

    return DefineSchemaValidator(Path("define.xml")).xsd


def validate_define(path: Path) -> None:
    """Check ``path`` against the Define-XML 2.1 XSD shipped with ``defineutils``; raise ``ValueError`` if invalid."""
    from xmlschema import XMLSchemaValidationError

    try:
        _schema().validate(str(path))
    except (XMLSchemaValidationError, ParseError) as exc:
        raise ValueError(f"{path.name} is not valid Define-XML 2.1: {exc}") from exc
