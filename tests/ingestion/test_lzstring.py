import pytest

from ingestion.lzstring import LZStringError, LZStringTooLarge, compress_to_base64, decompress_from_base64

# Produced by the JavaScript lz-string 1.5.0 (`LZString.compressToBase64`), which old posthog-js used.
JS_VECTORS = [
    ('{"event":"e","distinct_id":"d"}', "N4IgpgbmB2AuIC5wgDQgCYEsDOtPQGNYB9TdRDEAXyA="),
    ("héllo wörld 😀", "BYS4NmD2AEDuBvAnMATaheDcAB7Q"),
    ("a" * 37, "IY18ZXEA"),
]


@pytest.mark.parametrize(("text", "compressed"), JS_VECTORS)
def test_matches_the_javascript_library_both_ways(text, compressed):
    assert compress_to_base64(text) == compressed
    assert decompress_from_base64(compressed) == text


def test_round_trips_large_json():
    text = '{"batch": [' + ",".join(f'{{"event": "e{i % 7}", "n": {i}}}' for i in range(2000)) + "]}"
    assert decompress_from_base64(compress_to_base64(text)) == text


def test_corrupt_and_oversized_inputs_raise():
    with pytest.raises(LZStringError):
        decompress_from_base64("!!!!")
    with pytest.raises(LZStringError):
        decompress_from_base64("")
    with pytest.raises(LZStringTooLarge):
        decompress_from_base64(compress_to_base64("a" * 5000), max_length=1000)
