# The fingerprint of a JSON Lines trace, recomputed: python3 fingerprint.py FILE
import json, sys

M = (1 << 64) - 1

def mix64(z):
    z = ((z ^ (z >> 30)) * 0xbf58476d1ce4e5b9) & M
    z = ((z ^ (z >> 27)) * 0x94d049bb133111eb) & M
    return z ^ (z >> 31)

class Hasher:
    def __init__(self):
        self.state = mix64(0x5a425349)
    def word(self, w):
        rotl = ((self.state << 5) | (self.state >> 59)) & M
        self.state = ((rotl ^ (w & M)) * 0x9e3779b97f4a7c15) & M
    def text(self, s):
        b = s.encode()
        self.word(len(b))
        for i in range(0, len(b), 8):
            self.word(int.from_bytes(b[i:i + 8], "little"))
    def value(self):
        return mix64(self.state)

HEX = {"zxid", "digest", "first", "last", "peer_last", "log_first", "log_last",
       "expected", "applied"}

def field_type(r, key, v):
    if isinstance(v, bool): return 4
    if isinstance(v, int):
        signed = ((r["k"], key) in {("signal", "signal"), ("invoke", "version")}
                  or (key == "current_epoch" and "type" in r))
        return 0 if signed else 1
    return 2 if key in HEX or (r["k"], key) == ("truncate-log", "to") else 3

run = Hasher()
with open(sys.argv[1]) as f:
    next(f)  # the header
    for line in f:
        r = json.loads(line)
        if r["k"] == "end":
            print(f"{run.value():016x}", "end record:", r["fingerprint"])
        if r["k"] in ("verdict", "violation", "end"):
            continue
        h = Hasher()
        h.word(r["t"]); h.word(r["p"]); h.text(r["k"])
        for key, v in list(r.items())[3:]:
            t = field_type(r, key, v)
            h.text(key); h.word(t)
            if t == 3: h.text(v)
            elif t == 2: h.word(int(v, 16))
            else: h.word(int(v))
        run.word(h.value())
