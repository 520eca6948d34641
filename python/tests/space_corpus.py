"""Hostile block-space files for `hwnas spaces show` (test_space_fuzz.py).

Each case is (name, yaml text, space options, expect): "refuse" when hwnas
must say in one line what is wrong with the file, "any" when it may build
the space as long as nothing crashes and every number it prints is finite.
"""

BASE = {
    "input": "{channels: 3, resolution: [32, 48]}",
    "classes": "10",
    "width": "[0.5, 1.0]",
    "stem": "{channels: 16, kernel: 3, stride: 2}",
    "stages": ["{kind: mbconv, channels: [16, 24], depth: [1, 2], kernel: [3, 5], expansion: [1, 4], se: [false, true], stride: 2}",
               "{kind: resblock, channels: [32, 48], depth: [1, 2], kernel: [3], pool: {kind: max, kernel: 2}}"],
    "head": "{channels: 64, hidden: 128}",
}

BIG = ["2147483648", "4611686018427387904", "1000000000000000000", "9223372036854775807", "99999999999999999999999"]


def text(**changes):
    d = dict(BASE)
    d.update(changes)
    lines = ["name: fz", "plugin: blocks"]
    for k in ("input", "classes", "width", "round_channels", "stem"):
        if d.get(k) is not None:
            lines.append(f"{k}: {d[k]}")
    lines.append("stages:")
    lines += [f"  - {s}" for s in d["stages"]]
    if d.get("head") is not None:
        lines.append(f"head: {d['head']}")
    return "\n".join(lines) + "\n"


def stage(i, **kv):
    """BASE's stage i with keys replaced (values as YAML text)."""
    import yaml
    s = yaml.safe_load(BASE["stages"][i])
    for k, v in kv.items():
        if v is None:
            s.pop(k, None)
        else:
            s[k] = yaml.safe_load(v)
    return "{" + ", ".join(f"{k}: {_yaml(v)}" for k, v in s.items()) + "}"


def _yaml(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, list):
        return "[" + ", ".join(_yaml(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k}: {_yaml(x)}" for k, x in v.items()) + "}"
    return str(v)


def cases():
    out = [("valid", text(), {}, "any"),
           ("valid-1d", text(input="{channels: 2, length: [64, 96]}"), {}, "any")]
    for i, b in enumerate(BIG):
        out += [(f"stage-channels-{i}", text(stages=[stage(0, channels=f"[16, {b}]"), BASE["stages"][1]]), {}, "refuse"),
                (f"stage-channels-wide-{i}", text(width="[1.0, 16.0]", stages=[stage(0, channels=f"[{b}]"), BASE["stages"][1]]), {}, "refuse"),
                (f"head-channels-{i}", text(head=f"{{channels: {b}}}"), {}, "refuse"),
                (f"head-hidden-{i}", text(head=f"{{hidden: {b}}}"), {}, "refuse"),
                (f"stem-channels-{i}", text(stem=f"{{channels: {b}}}"), {}, "refuse"),
                (f"resolution-{i}", text(input=f"{{channels: 3, resolution: [32, {b}]}}"), {}, "refuse"),
                (f"length-{i}", text(input=f"{{channels: 3, length: [{b}]}}"), {}, "refuse"),
                (f"stride-{i}", text(stages=[stage(0, stride=b), BASE["stages"][1]]), {}, "refuse"),
                (f"expansion-{i}", text(stages=[stage(0, expansion=f"[1, {b}]"), BASE["stages"][1]]), {}, "refuse"),
                (f"pool-kernel-{i}", text(stages=[BASE["stages"][0], stage(1, pool=f"{{kind: max, kernel: {b}}}")]), {}, "refuse"),
                (f"classes-{i}", text(classes=b), {}, "refuse"),
                (f"input-channels-{i}", text(input=f"{{channels: {b}, resolution: 32}}"), {}, "refuse"),
                (f"round-{i}", text(round_channels=b), {}, "refuse"),
                (f"option-resolution-{i}", text(), {"resolution": b}, "refuse"),
                (f"option-classes-{i}", text(), {"classes": b}, "refuse"),
                (f"option-input-channels-{i}", text(), {"input_channels": b}, "refuse")]
        odd = str(int(b) | 1) if b.isdigit() and len(b) < 20 else b
        out.append((f"kernel-{i}", text(stages=[stage(0, kernel=f"[3, {odd}]"), BASE["stages"][1]]), {}, "refuse"))
    out += [("depth-100000", text(stages=[stage(0, depth="[1, 100000]"), BASE["stages"][1]]), {}, "refuse"),
            ("depth-fixed-100000", text(stages=[stage(0, depth="100000"), BASE["stages"][1]]), {}, "refuse"),
            ("width-tiny", text(width="[1e-300, 1.0]"), {}, "refuse"),
            ("width-negative", text(width="[-1.0, 1.0]"), {}, "refuse"),
            ("width-nan", text(width="[.nan, 1.0]"), {}, "refuse"),
            ("width-inf", text(width="[.inf]"), {}, "refuse"),
            ("stage-width-tiny", text(stages=[stage(0, width="[1e-300, 1.0]"), BASE["stages"][1]]), {}, "refuse"),
            ("se-ratio-tiny", text(stages=[stage(0, se_ratio="1e-300"), BASE["stages"][1]]), {}, "any"),
            # Tiny inputs and kernels wider than the input build ("same"
            # padding; micronas-1d's last stage sees 3 steps of JapaneseVowels).
            ("resolution-one", text(input="{channels: 3, resolution: [1]}", stem=None,
                                    stages=[stage(0, stride="1"), stage(1, pool=None)]), {}, "any"),
            ("resolution-two", text(input="{channels: 3, resolution: [2, 32]}", stem=None,
                                    stages=[stage(0, stride="1"), stage(1, pool=None)]), {}, "any"),
            ("resolution-one-pooled", text(input="{channels: 3, resolution: [1]}", stem=None), {}, "refuse"),
            ("kernel-longer-than-sequence", text(input="{channels: 2, length: [8]}", stem=None,
                                                 stages=[stage(0, kernel="[3, 9]", stride="1"), stage(1, pool=None)]), {}, "any"),
            ("widest-tensor-past-2-40", text(input="{channels: 3, resolution: [8192]}", width="[16.0]", stem=None,
                                             stages=[stage(0, channels="[65536]", stride="1")]), {}, "refuse"),
            ("stages-40", text(stages=[stage(0, stride="1")] * 40), {}, "any"),
            ("stages-200", text(stages=[stage(0, stride="1")] * 200), {}, "refuse"),
            ("channels-empty", text(stages=[stage(0, channels="[]"), BASE["stages"][1]]), {}, "refuse"),
            ("channels-duplicate", text(stages=[stage(0, channels="[16, 16]"), BASE["stages"][1]]), {}, "refuse"),
            ("channels-string", text(stages=[stage(0, channels="[sixteen]"), BASE["stages"][1]]), {}, "refuse"),
            ("channels-float", text(stages=[stage(0, channels="[16.5]"), BASE["stages"][1]]), {}, "refuse"),
            ("channels-zero", text(stages=[stage(0, channels="[0, 16]"), BASE["stages"][1]]), {}, "refuse"),
            ("not-yaml", "stages: [\n  - {kind: conv\n", {}, "refuse"),
            ("yaml-list", "- 1\n- 2\n", {}, "refuse"),
            ("yaml-anchor-bomb", "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                                 "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
                                 "e: [*d, *d, *d, *d, *d, *d, *d, *d, *d]\n", {}, "refuse")]
    return out
