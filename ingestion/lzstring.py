"""LZ-String's base64 codec (`compressToBase64` / `decompressFromBase64`), as old posthog-js sends `compression=lz64`.

LZ-String works on UTF-16 code units; Python strings are converted to and from code units at the edges.
"""

BASE64_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="
_BASE64_VALUES = {char: index for index, char in enumerate(BASE64_ALPHABET)}


class LZStringError(ValueError):
    pass


class LZStringTooLarge(LZStringError):
    pass


def _from_code_units(units: list[int]) -> str:
    raw = b"".join(unit.to_bytes(2, "little") for unit in units)
    return raw.decode("utf-16-le", "surrogatepass")


def decompress_from_base64(text: str, max_length: int | None = None) -> str:
    """Raises LZStringError for corrupt input, or when the output passes `max_length` code units."""
    if text == "":
        raise LZStringError("empty input")
    try:
        values = [_BASE64_VALUES[char] for char in text]
    except KeyError as exc:
        raise LZStringError(f"invalid character {exc}") from None
    length = len(values)
    reader = {"val": values[0], "position": 32, "index": 1}

    def read_bits(count: int) -> int:
        bits, power = 0, 1
        for _ in range(count):
            bit = reader["val"] & reader["position"]
            reader["position"] >>= 1
            if reader["position"] == 0:
                reader["position"] = 32
                reader["val"] = values[reader["index"]] if reader["index"] < length else 0
                reader["index"] += 1
            if bit:
                bits |= power
            power <<= 1
        return bits

    dictionary: list = [0, 1, 2]
    first = read_bits(2)
    if first == 2:
        return ""
    if first not in (0, 1):
        raise LZStringError("corrupt stream")
    w = [read_bits(8 if first == 0 else 16)]
    dictionary.append(w)
    result = list(w)
    enlarge_in, num_bits = 4, 3
    while True:
        if reader["index"] > length:
            raise LZStringError("truncated stream")
        code = read_bits(num_bits)
        if code in (0, 1):
            dictionary.append([read_bits(8 if code == 0 else 16)])
            code = len(dictionary) - 1
            enlarge_in -= 1
        elif code == 2:
            return _from_code_units(result)
        if enlarge_in == 0:
            enlarge_in = 1 << num_bits
            num_bits += 1
        if code < len(dictionary) and code > 2:
            entry = dictionary[code]
        elif code == len(dictionary):
            entry = w + w[:1]
        else:
            raise LZStringError("corrupt stream")
        result.extend(entry)
        if max_length is not None and len(result) > max_length:
            raise LZStringTooLarge("decompressed data is too large")
        dictionary.append(w + entry[:1])
        enlarge_in -= 1
        w = entry
        if enlarge_in == 0:
            enlarge_in = 1 << num_bits
            num_bits += 1


def compress_to_base64(text: str) -> str:
    raw = text.encode("utf-16-le", "surrogatepass")
    units = [chr(int.from_bytes(raw[i : i + 2], "little")) for i in range(0, len(raw), 2)]
    out: list[str] = []
    state = {"val": 0, "position": 0}

    def write(value: int, count: int) -> None:
        for _ in range(count):
            state["val"] = (state["val"] << 1) | (value & 1)
            value >>= 1
            if state["position"] == 5:
                state["position"] = 0
                out.append(BASE64_ALPHABET[state["val"]])
                state["val"] = 0
            else:
                state["position"] += 1

    dictionary: dict[str, int] = {}
    to_create: set[str] = set()
    w, enlarge_in, dict_size, num_bits = "", 2, 3, 2

    def emit(word: str) -> None:
        nonlocal enlarge_in, num_bits
        if word in to_create:
            code = ord(word[0])
            if code < 256:
                write(0, num_bits)
                write(code, 8)
            else:
                write(1, num_bits)
                write(code, 16)
            enlarge_in -= 1
            if enlarge_in == 0:
                enlarge_in, num_bits = 1 << num_bits, num_bits + 1
            to_create.discard(word)
        else:
            write(dictionary[word], num_bits)
        enlarge_in -= 1
        if enlarge_in == 0:
            enlarge_in, num_bits = 1 << num_bits, num_bits + 1

    for c in units:
        if c not in dictionary:
            dictionary[c] = dict_size
            dict_size += 1
            to_create.add(c)
        wc = w + c
        if wc in dictionary:
            w = wc
            continue
        emit(w)
        dictionary[wc] = dict_size
        dict_size += 1
        w = c
    if w:
        emit(w)
    write(2, num_bits)
    while True:
        state["val"] <<= 1
        if state["position"] == 5:
            out.append(BASE64_ALPHABET[state["val"]])
            break
        state["position"] += 1
    encoded = "".join(out)
    return encoded + "=" * (-len(encoded) % 4)
