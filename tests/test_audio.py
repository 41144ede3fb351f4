import numpy as np
import soundfile as sf

from serflow.audio import load_audio, read_audio_table, write_audio_table


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
