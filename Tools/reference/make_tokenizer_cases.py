#!/usr/bin/env python3
"""Writes the reference fixtures for the Swift WordPiece tokenizer (Tests/HypencoderTokenizerTests).

Run from anywhere with the project's venv (transformers 5.24.0, tokenizers 0.23.3):

    Scripts/fetch-minilm                      # puts vocab.txt etc. in .build/models/all-MiniLM-L6-v2
    .venv/bin/python Tools/reference/make_tokenizer_cases.py

Outputs, in Tests/Fixtures/tokenizer/:

* cases.json: texts with the ids `transformers.BertTokenizer` (loaded from vocab.txt alone) gives them,
  untruncated and truncated to each of MAX_LENGTHS (`truncated[str(n)]`). In transformers 5,
  `BertTokenizer` runs the Rust `tokenizers` pipeline. Each case also carries `legacy_ids` when the
  pure-Python `BertTokenizerLegacy` disagrees, and `tokenizer_json_ids` when the model's own
  tokenizer.json (through the `tokenizers` library) disagrees; the summary counts both.
* cases.json also holds `vocab_files`: small vocab.txt files with odd line endings, trailing white
  space, duplicates and canonically equivalent tokens, with the token -> id map the reference reads.
* scalar_digests.json: for every Unicode scalar c, the words the reference normaliser and
  pre-tokeniser make of "a" + c + "a", folded into one FNV-1a-64 digest per block of 4096 code points.
  The Swift test recomputes them, so every code point is checked without committing a big table.

The texts are deterministic: hand-written edge cases plus fixed lines of the collections in Data/ (Data/README.md).
"""
import argparse
import hashlib
import json
import os
import sys
import tempfile
from pathlib import Path

import tokenizers
import transformers
from tokenizers import Tokenizer
from transformers import BertTokenizer
from transformers.models.bert.tokenization_bert_legacy import BertTokenizerLegacy

REPO = Path(__file__).resolve().parents[2]
MAX_LENGTHS = [3, 16, 512]
DATA = Path(os.environ.get("HYPENCODER_DATA") or REPO / "Data")  # Data/README.md
BLOCK = 4096


def edge_cases():
    """(name, text) pairs, one or more per behaviour the Swift tokenizer must reproduce."""
    c = []
    add = lambda name, text: c.append((name, text))
    # Empty and blank input.
    add("empty", "")
    for name, ws in [("space", " "), ("spaces", "   "), ("tab", "\t"), ("newline", "\n"), ("crlf", "\r\n"),
                     ("nbsp", "\u00a0"), ("ideographic_space", "\u3000"), ("mixed_ws", " \t\n\r\u00a0\u2003\u3000 "),
                     ("line_separator", "\u2028"), ("paragraph_separator", "\u2029"), ("ogham_space", "\u1680"),
                     ("vt_ff", "\u000b\u000c"), ("nel", "\u0085")]:
        add("whitespace_only_" + name, ws)
    # Whitespace between words.
    for cp in [0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x180E, 0x2000, 0x2007, 0x200A, 0x200B,
               0x2028, 0x2029, 0x202F, 0x205F, 0x3000, 0xFEFF]:
        add(f"between_words_U+{cp:04X}", f"word{chr(cp)}next")
    # Cleaning: NUL, U+FFFD, controls and format characters.
    add("nul", "a\u0000b c")
    add("replacement_char", "a\ufffdb \ufffd c")
    add("c0_controls", "".join(chr(i) for i in range(0x20)) + "x")
    add("del_and_c1", "a\u007fb\u0080c\u009fd")
    add("soft_hyphen", "co\u00adoperate")
    add("zero_width_space", "zero\u200bwidth")
    add("zwnj_zwj", "a\u200cb\u200dc")
    add("lrm_rlm", "left\u200eright\u200fmark")
    add("bidi_embedding", "\u202aabc\u202c \u202bdef\u202c \u2066ghi\u2069")
    add("bom_inside", "\ufeffstart mid\ufeffdle")
    add("word_joiner", "word\u2060joiner")
    add("arabic_format_new", "x\u0890y\u08e2z")
    add("egyptian_format", "a\U00013430b\U0001343fc")
    add("tag_characters", "flag\U000e0067\U000e0062\U000e007fend")
    # Lower-casing: ASCII and the cases where languages disagree.
    add("ascii_upper", "THE QUICK BROWN FOX JUMPS OVER THE LAZY DOG")
    add("mixed_case", "McDonald's iPhone eBay NASA")
    add("dotted_capital_i", "\u0130stanbul \u0130")
    add("dotless_i", "\u0131 I \u0131\u0307")
    add("capital_sharp_s", "\u1e9e STRA\u1e9eE stra\u00dfe")
    add("greek_final_sigma", "\u039f\u0394\u039f\u03a3 \u0391\u03a3. \u03a3")
    add("greek_sigma_middle", "\u0391\u03a3\u0391")
    add("greek_lower", "\u03bf\u03b4\u03bf\u03c2 \u1f00\u1f08 \u1f88")
    add("greek_tonos", "\u0386\u0388\u0389 \u038a\u038c")
    add("cherokee_upper", "\u13a0\u13a1\u13a2 \u13f4")
    add("cherokee_lower", "\uab70\uab71 \u13f8")
    add("georgian_mtavruli", "\u1c90\u1c91\u1c92")
    add("georgian_mkhedruli", "\u10d0\u10d1\u10d2")
    add("titlecase_digraphs", "\u01c5 \u01c4 \u01c6 \u01f2")
    add("armenian", "\u0531\u0532 \u0587")
    add("deseret", "\U00010400\U00010428")
    add("cyrillic", "\u041f\u0420\u0418\u0412\u0415\u0422 \u043c\u0438\u0440 \u0401\u0436")
    add("turkish_sentence", "I\u015eIK \u0130ZM\u0130R \u00c7A\u011eRI")
    add("ligatures", "\ufb01le \ufb02ow \ufb00 \ufb03")
    add("kelvin_angstrom_ohm", "\u212a \u212b \u2126")
    add("roman_numerals", "\u2160\u2161\u2162 \u2170")
    add("circled_letters", "\u24b6\u24b7 \u24d0")
    # Accents: precomposed, combining, stacked, and marks that are not Mn.
    add("french_accents", "\u00c9l\u00e8ve na\u00efve caf\u00e9 \u00e0 l'h\u00f4tel")
    add("german_umlauts", "\u00c4rger \u00d6l \u00dcber M\u00fcller")
    add("spanish", "\u00bfD\u00f3nde est\u00e1 el ni\u00f1o? \u00a1Ol\u00e9!")
    add("vietnamese", "Ti\u1ebfng Vi\u1ec7t c\u00f3 d\u1ea5u")
    add("combining_acute", "e\u0301 E\u0301")
    add("stacked_marks", "a\u0301\u0302\u0303\u0323")
    add("marks_out_of_order", "a\u0301\u0323 q\u0307\u0323")
    add("lone_combining", "\u0301 \u0301\u0302")
    add("combining_after_space", "x \u0301y")
    add("zalgo", "Z\u0351\u036b\u0343\u036a\u0302\u036b\u033d\u034f\u0334\u0319\u0324a\u0338\u0321l\u0315g\u0341o")
    add("spacing_marks_devanagari", "\u0939\u093f\u0928\u094d\u0926\u0940 \u092d\u093e\u0937\u093e")
    add("tamil", "\u0ba4\u0bae\u0bbf\u0bb4\u0bcd")
    add("thai", "\u0e20\u0e32\u0e29\u0e32\u0e44\u0e17\u0e22")
    add("hangul_syllables", "\ud55c\uad6d\uc5b4 \ud14d\uc2a4\ud2b8")
    add("hangul_jamo", "\u1112\u1161\u11ab")
    add("japanese_kana", "\u3072\u3089\u304c\u306a \u30ab\u30bf\u30ab\u30ca \u30ac\u30d1")
    add("halfwidth_katakana", "\uff76\uff80\uff76\uff85 \uff8a\uff9f")
    add("musical_marks_order", "x\U0001d165\U0001d16d\U0001d167y")
    add("hangul_tone_marks", "\u302e\u302f")
    add("marks_recategorised", "a\u1734b a\u1885b a\ua9bdb a\U000111c9b a\U0001171eb")
    add("dives_akuru_decomposable", "\U00011938 \U00011935\U00011930")
    add("new_nonspacing_marks", "a\u0897b a\u1ac0b a\U00010d69b")
    # CJK: every edge of the ideograph ranges, and neighbours that are not in them.
    edges = set()
    for lo, hi in [(0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0x20000, 0x2A6DF), (0x2A700, 0x2B73F),
                   (0x2B740, 0x2B81F), (0x2B820, 0x2CEAF), (0xF900, 0xFAFF), (0x2F800, 0x2FA1F)]:
        edges.update([lo - 1, lo, lo + 1, hi - 1, hi, hi + 1])
    for cp in sorted(edges):
        add(f"cjk_edge_U+{cp:04X}", f"ab{chr(cp)}cd {chr(cp)}{chr(cp)}")
    add("cjk_ext_e_gap", "x\U0002b820y\U0002b91fz\U0002b920w")
    add("cjk_sentence", "\u6211\u7231\u5317\u4eac\u5929\u5b89\u95e8\u3002")
    add("cjk_mixed_latin", "\u4f7f\u7528BERT\u6a21\u578b\u8fdb\u884c\u6587\u672c\u5206\u7c7b")
    add("cjk_compat_ideographs", "\uf900\uf901\ufa0e\ufa6d\ufad9")
    add("cjk_compat_supplement", "\U0002f800\U0002f801\U0002fa1d")
    add("cjk_punctuation", "\u3001\u3002\u300c\u5f15\u7528\u300d\uff01")
    add("cjk_radicals_strokes", "\u2e80\u2f00\u31c0\u3007")
    add("japanese_sentence", "\u79c1\u306f\u65e5\u672c\u8a9e\u3092\u8a71\u3057\u307e\u3059\u3002")
    # Punctuation: ASCII symbol ranges, Unicode P*, and symbols that are not punctuation.
    add("ascii_punctuation_all", "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
    add("punctuation_between_letters", "a!b\"c#d$e%f&g'h(i)j*k+l,m-n.o/p:q;r<s=t>u?v@w[x\\y]z^a_b`c{d|e}f~g")
    add("only_punctuation", "...!!!???---")
    add("ellipsis_dashes", "wait\u2026 en\u2013dash em\u2014dash")
    add("quotes", "\u201csmart\u201d \u2018single\u2019 \u00abguillemets\u00bb \u201e\u201f")
    add("unicode_punct_misc", "\u00a7\u00b6\u00b7\u2020\u2021\u2022\u2030\u203b\u2042")
    add("unicode_symbols_not_punct", "\u00a9\u00ae\u2122\u00b0\u00b1\u00d7\u00f7\u20ac\u00a3\u00a5\u2190\u2200\u221e")
    add("new_punctuation", "a\u2e43b a\u2e4fb a\u2e52b a\U00011c41b")
    add("recategorised_punctuation", "a\u166db")
    add("greek_ano_teleia", "a\u0387b a\u037eb")
    add("greek_varia", "a\u1fefb a\u1fedb")
    add("fullwidth_latin", "\uff28\uff45\uff4c\uff4c\uff4f\uff0c\u3000\uff37\uff4f\uff52\uff4c\uff44\uff01")
    add("fullwidth_digits", "\uff11\uff12\uff13\uff14")
    add("fullwidth_punct", "\uff08\uff09\uff3b\uff3d\uff5b\uff5d\uff1a\uff1b")
    add("arabic_punct", "\u0645\u0631\u062d\u0628\u0627\u060c \u0643\u064a\u0641\u061f")
    add("hebrew_rtl", "\u05e9\u05dc\u05d5\u05dd \u05e2\u05d5\u05dc\u05dd")
    add("hebrew_points", "\u05e9\u05b8\u05c1\u05dc\u05d5\u05b9\u05dd")
    add("arabic_harakat", "\u0627\u0644\u0652\u0639\u064e\u0631\u064e\u0628\u0650\u064a\u064e\u0651\u0629")
    add("rtl_mixed", "Hello \u05e9\u05dc\u05d5\u05dd 123 \u0645\u0631\u062d\u0628\u0627!")
    add("rtl_with_marks", "\u202e\u05e9\u05dc\u05d5\u05dd\u202c abc")
    # Emoji.
    add("emoji_simple", "I love pizza \U0001f355\U0001f600")
    add("emoji_zwj_family", "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466")
    add("emoji_skin_tone", "\U0001f44d\U0001f3fd \U0001f44b\U0001f3ff")
    add("emoji_flag", "\U0001f1fa\U0001f1f8 \U0001f1ef\U0001f1f5")
    add("emoji_keycap", "1\ufe0f\u20e3 #\ufe0f\u20e3")
    add("emoji_variation", "\u2764\ufe0f \u2764\ufe0e")
    add("emoji_new", "x\U0001fae8y \U0001fae8")
    add("emoji_in_word", "good\U0001f44dnews")
    add("heart_symbols", "\u2665\u2661\u2606\u2605")
    # Odd code points (no surrogates: they cannot occur in valid text).
    add("noncharacters", "a\ufdd0b\ufffec\uffffd")
    add("last_code_point", "x\U0010ffffy")
    add("private_use", "a\ue000b\U000f0000c\U00100000d")
    add("unassigned", "x\u0378y \u0378")
    add("variation_selector_supplement", "x\U000e0100y")
    add("math_alphanumerics", "\U0001d400\U0001d401 \U0001d49c")
    add("superscripts", "x\u00b2 H\u2082O 10\u207b\u00b3")
    add("fractions", "\u00bd \u2153 \u00be")
    add("replacement_and_ws", "\ufffd \ufffd\u00a0\ufffd")
    # Numbers, URLs, code, mixed everyday text.
    add("numbers", "3.14159 1,000,000 -42 +7 1e-10 0x1F 50% $19.99")
    add("dates_times", "2024-01-15T10:30:00Z 12/31/1999 10:45am")
    add("url", "https://example.com/path?query=value&x=1#frag")
    add("email", "first.last+tag@example.co.uk")
    add("code_python", "def f(x):\n    return x**2 + 1  # square\n")
    add("code_c", "int main(void) { printf(\"%d\\n\", a[i]->b); }")
    add("code_json", '{"key": [1, 2.5, null, true], "nested": {"a": "b"}}')
    add("path_windows", "C:\\Program Files\\App\\bin\\app.exe")
    add("hashtags_mentions", "#MachineLearning @user_name #2024")
    add("chemistry", "H2SO4 NaCl C6H12O6 CO\u2082")
    add("units", "5km/h 9.81m/s\u00b2 37\u00b0C 100\u00b5m")
    add("contractions", "don't can't won't it's y'all o'clock")
    add("hyphenation", "state-of-the-art well-known e-mail")
    add("repeated_chars", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa !!!!!!!!!!")
    add("unknown_word_pieces", "xyzzyqwv supercalifragilisticexpialidocious")
    add("special_tokens_literal", "a [SEP] b [CLS] [MASK] [PAD] [UNK]")
    add("special_tokens_glued", "x[SEP]y[MASK]z")
    add("special_tokens_lowercase", "[sep] [Sep] [cls]")
    add("special_token_partial", "[SE [SEPX] SEP] [[SEP]]")
    add("hypencoder_golden_q0", "how many states are there in india")
    add("hypencoder_golden_q1", "when do concussion symptoms appear")
    add("hypencoder_golden_p0", "India has 28 states and 8 union territories.")
    add("hypencoder_golden_p1", "Concussion symptoms can appear immediately or up to 72 hours after the injury.")
    add("many_words", " ".join(["token"] * 40))
    add("mixed_scripts", "English \u0420\u0443\u0441\u0441\u043a\u0438\u0439 \u0395\u03bb\u03bb\u03b7\u03bd\u03b9\u03ba\u03ac \u4e2d\u6587 \u65e5\u672c\u8a9e \ud55c\uad6d\uc5b4 \u0627\u0644\u0639\u0631\u0628\u064a\u0629")
    # Word length limit (100 scalars), counted after normalisation.
    add("word_99", "a" * 99)
    add("word_100", "a" * 100)
    add("word_101", "a" * 101)
    add("word_100_then_more", "b" * 100 + " ok " + "c" * 101 + " end")
    add("word_100_accented", "\u00e9" * 100)
    add("word_101_accented", "\u00e9" * 101)
    add("word_100_decomposed", "e\u0301" * 100)
    add("word_101_emoji", "\U0001f600" * 101)
    add("word_10000", "x" * 10000)
    add("word_10000_mixed", ("ab" * 5000) + " tail")
    add("punct_breaks_long_word", ("a" * 60 + ".") * 3)
    return c


VOCAB_FILES = [
    # (name, vocab.txt content, texts to encode with it)
    ("crlf_trailing_whitespace_duplicates",
     "[PAD]\r\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nab \rcd\nef\r\n##x\ngh\t\n\nef\nlast",
     ["ab cd ef efx gh last", "ghx ab\rcd"]),
    ("canonically_equivalent_tokens",
     "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n\u00e9\ne\u0301\ne\n##\u0301\n##e\n\u0915\n##\u093f\n",
     ["\u00e9 e\u0301 ee \u0915\u093f"]),
    ("no_final_newline_unicode_whitespace", "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nx\u3000\ny\u00a0z\n##y", ["x y xy"]),
]


def vocab_file_cases(tmp_dir):
    """How the reference reads odd vocab.txt files: their token -> id maps and a few encodings."""
    out = []
    for name, content, texts in VOCAB_FILES:
        path = Path(tmp_dir) / f"{name}.txt"
        path.write_bytes(content.encode("utf-8"))
        tok = BertTokenizer(str(path))
        # A list of [token, id] pairs, not an object: JSON readers may merge keys that are
        # canonically equivalent (Swift's String does), and these files test exactly that.
        vocab = sorted([token, i] for token, i in tok.get_vocab().items())
        out.append({"name": name, "content": content, "vocab": vocab,
                    "texts": [{"text": t, "ids": tok(t)["input_ids"]} for t in texts]})
    return out


def corpus_cases():
    """About 60 texts taken deterministically from the BEIR collections in Data/."""
    cases = []
    for dataset in ["scifact", "cranfield", "cisi"]:
        for kind, count in [("corpus", 12), ("queries", 8)]:
            path = DATA / dataset / f"{kind}.jsonl"
            lines = path.read_text(encoding="utf-8").splitlines()
            step = max(1, len(lines) // count)
            for i in range(count):
                record = json.loads(lines[i * step])
                text = record.get("text", "")
                if kind == "corpus" and record.get("title"):
                    text = record["title"] + "\n" + text
                cases.append((f"{dataset}_{kind}_{record['_id']}", text))
    # Longer than 512 tokens, so that truncation to 512 cuts something.
    lines = (DATA / "scifact" / "corpus.jsonl").read_text(encoding="utf-8").splitlines()
    long_text = " ".join(json.loads(line)["text"] for line in lines[:6])
    cases.append(("scifact_concatenated_long", long_text))
    return cases


def one_case_per_line(document):
    """Compact JSON with one case per line: small, and diffs stay readable."""
    head = {k: v for k, v in document.items() if k not in ("cases", "vocab_files")}
    head["vocab_files"] = [json.dumps(v, ensure_ascii=True, separators=(",", ":")) for v in document["vocab_files"]]
    lines = [json.dumps(case, ensure_ascii=True, separators=(",", ":")) for case in document["cases"]]
    text = json.dumps(head, ensure_ascii=True, indent=1)
    for encoded in head["vocab_files"]:  # one vocab file case per line too
        text = text.replace(json.dumps(encoded, ensure_ascii=True), encoded)
    return text[:-2] + ',\n"cases": [\n' + ",\n".join(lines) + "\n]}\n"


def fnv1a64(data, h=0xcbf29ce484222325):
    for byte in data:
        h = ((h ^ byte) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return h


def scalar_digests(tok):
    """FNV-1a-64 per block of code points over lines '<hex cp>:<words>' (see module docstring)."""
    normalizer = tok.backend_tokenizer.normalizer
    pre = tok.backend_tokenizer.pre_tokenizer
    digests = []
    for block_start in range(0, 0x110000, BLOCK):
        h = 0xcbf29ce484222325
        for cp in range(block_start, block_start + BLOCK):
            if 0xD800 <= cp <= 0xDFFF:
                continue
            words = [w for w, _ in pre.pre_tokenize_str(normalizer.normalize_str("a" + chr(cp) + "a"))]
            line = f"{cp:x}:" + " ".join(",".join(f"{ord(ch):x}" for ch in w) for w in words) + "\n"
            h = fnv1a64(line.encode("utf-8"), h)
        digests.append(f"{h:016x}")
    return digests


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model-dir", default=str(REPO / ".build/models/all-MiniLM-L6-v2"))
    parser.add_argument("--out-dir", default=str(REPO / "Tests/Fixtures/tokenizer"))
    parser.add_argument("--skip-digests", action="store_true", help="do not rewrite scalar_digests.json")
    args = parser.parse_args()
    model_dir = Path(args.model_dir)
    vocab = model_dir / "vocab.txt"
    if not vocab.is_file():
        sys.exit(f"{vocab} not found: run Scripts/fetch-minilm first")

    reference = BertTokenizer(str(vocab))            # transformers 5: the Rust pipeline
    legacy = BertTokenizerLegacy(str(vocab))         # the pure-Python BERT tokenizer
    tokenizer_json = None
    if (model_dir / "tokenizer.json").is_file():
        tokenizer_json = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        tokenizer_json.no_truncation()
        tokenizer_json.no_padding()

    all_cases = edge_cases() + corpus_cases()
    names = [name for name, _ in all_cases]
    assert len(names) == len(set(names)), "case names must be unique"
    out_cases = []
    legacy_disagreements, json_disagreements = [], []
    for name, text in all_cases:
        ids = reference(text, add_special_tokens=True)["input_ids"]
        case = {"name": name, "text": text, "ids": ids, "truncated": {}}
        for n in MAX_LENGTHS:
            case["truncated"][str(n)] = reference(text, max_length=n, truncation=True)["input_ids"]
        legacy_ids = legacy(text)["input_ids"]
        if legacy_ids != ids:
            case["legacy_ids"] = legacy_ids
            legacy_disagreements.append(name)
        if tokenizer_json is not None:
            json_ids = tokenizer_json.encode(text).ids
            if json_ids != ids:
                case["tokenizer_json_ids"] = json_ids
                json_disagreements.append(name)
        out_cases.append(case)

    out_dir = Path(args.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="tokenizer-cases-") as tmp_dir:
        vocab_files = vocab_file_cases(tmp_dir)
    document = {
        "generator": "Tools/reference/make_tokenizer_cases.py",
        "reference": f"transformers {transformers.__version__} BertTokenizer (tokenizers {tokenizers.__version__})",
        "vocab": "all-MiniLM-L6-v2 vocab.txt",
        "vocab_sha256": hashlib.sha256(vocab.read_bytes()).hexdigest(),
        "max_lengths": MAX_LENGTHS,
        "legacy_disagreements": legacy_disagreements,
        "tokenizer_json_disagreements": json_disagreements,
        "vocab_files": vocab_files,
        "cases": out_cases,
    }
    (out_dir / "cases.json").write_text(one_case_per_line(document), encoding="utf-8")
    print(f"{len(out_cases)} cases; BertTokenizerLegacy disagrees on {len(legacy_disagreements)}: "
          f"{legacy_disagreements}; tokenizer.json disagrees on {len(json_disagreements)}: {json_disagreements}")

    if not args.skip_digests:
        digests = {
            "generator": "Tools/reference/make_tokenizer_cases.py",
            "reference": document["reference"],
            "block_size": BLOCK,
            "line_format": "<hex code point>:<words of 'a'+c+'a', space-separated, scalars as comma-separated hex>\\n",
            "hash": "FNV-1a 64 over the UTF-8 lines of a block, surrogates skipped",
            "digests": scalar_digests(reference),
        }
        (out_dir / "scalar_digests.json").write_text(json.dumps(digests, indent=1) + "\n", encoding="utf-8")
        print(f"{len(digests['digests'])} scalar digests")


if __name__ == "__main__":
    main()
