import pytest

from serflow.emodb import EMOTIONS, SPEAKER_GENDER, parse_utterance


def test_parse_utterance_reads_every_part():
    parts = parse_utterance("03a01Fa.wav")
    assert (parts.utterance, parts.speaker, parts.text, parts.emotion, parts.version) == (
        "03a01Fa",
        "03",
        "a01",
        "F",
        "a",
    )
    assert parts.emotion_name == "happiness"
    assert parse_utterance("16b10Wb").emotion_name == "anger"


@pytest.mark.parametrize(
    "name", ["3a01Fa.wav", "03a01Xa.wav", "03a01F.wav", "notes.wav", "03A01Fa"]
)
def test_bad_names_are_refused_with_the_file_named(name):
    with pytest.raises(ValueError, match="SSTTTEV") as error:
        parse_utterance(name)
    assert name in str(error.value)


def test_emodb_facts():
    assert len(EMOTIONS) == 7 and set(EMOTIONS) == set("WLEAFTN")
    assert sorted(s for s, g in SPEAKER_GENDER.items() if g == "male") == [
        "03",
        "10",
        "11",
        "12",
        "15",
    ]
