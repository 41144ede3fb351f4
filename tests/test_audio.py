import numpy as np
import soundfile as sf

from serflow.audio import iter_audio_table, load_audio, read_audio_table, write_audio_table


def test_resampling_to_16k_and_mixing_to_mono(tmp_path):
    t = np.arange(44100) / 44100
    stereo = np.stack([np.sin(2 * np.pi * 440 * t), np.sin(2 * np.pi * 440 * t)], axis=1) * 0.5
    sf.write(tmp_path / "s.wav", stereo, 44100, subtype="FLOAT")
    clip = load_audio(tmp_path / "s.wav", 16000, "soxr_hq")
    assert clip.dtype == np.float32 and clip.shape == (16000,)
    spectrum = np.abs(np.fft.rfft(clip))
    assert abs(np.argmax(spectrum) - 440) <= 1
    np.testing.assert_array_equal(clip, load_audio(tmp_path / "s.wav", 16000, "soxr_hq"))


def test_16k_files_are_not_resampled(tmp_path):
    samples = (np.random.default_rng(0).uniform(-0.5, 0.5, 8000) * 32767).astype(np.int16)
    sf.write(tmp_path / "a.wav", samples, 16000, subtype="PCM_16")
    np.testing.assert_array_equal(
        load_audio(tmp_path / "a.wav", 16000), samples / np.float32(32768)
    )


def test_audio_table_round_trip_and_subset(tmp_path):
    clips = [np.arange(n, dtype=np.float32) for n in (3, 5, 1)]
    write_audio_table(["a", "b", "c"], clips, 16000, tmp_path / "audio.parquet")
    read, rate = read_audio_table(tmp_path / "audio.parquet")
    assert rate == 16000 and sorted(read) == ["a", "b", "c"]
    np.testing.assert_array_equal(read["b"], clips[1])
    subset, _ = read_audio_table(tmp_path / "audio.parquet", ["c"])
    assert list(subset) == ["c"] and subset["c"].tolist() == [0.0]


def test_a_generator_of_clips_is_written_and_read_a_row_group_at_a_time(tmp_path):
    rng = np.random.default_rng(0)
    clips = [rng.standard_normal(n).astype(np.float32) for n in (1600, 800, 2400, 400, 1600)]
    names = ["a", "b", "c", "d", "e"]
    path = tmp_path / "audio.parquet"
    # row groups of 0.1 s (1600 samples): a, then b+c, then d+e
    write_audio_table(names, (clip for clip in clips), 16000, path, row_group_s=0.1)
    groups = list(iter_audio_table(path))
    assert [group[0] for group in groups] == [["a"], ["b", "c"], ["d", "e"]]
    assert {rate for *_, rate in groups} == {16000}
    for (group_names, group_clips, _), start in zip(groups, (0, 1, 3), strict=True):
        for offset, (name, clip) in enumerate(zip(group_names, group_clips, strict=True)):
            assert name == names[start + offset]
            np.testing.assert_array_equal(clip, clips[start + offset])
    whole, _ = read_audio_table(path)
    assert list(whole) == names


def test_an_empty_audio_table_has_its_columns_and_rate(tmp_path):
    write_audio_table([], iter(()), 16000, tmp_path / "audio.parquet")
    assert read_audio_table(tmp_path / "audio.parquet") == ({}, 16000)
