"""The catalogue of coded errors: every problem the library reports to a user.

Messages follow pyxform's order: location first, then what is wrong, then how to fix it.
Each code has an English and a Chinese template; placeholders are filled from keyword
arguments. A parameter that is words rather than a value (a detail, a noun) is given in
both languages as a `Bilingual`, so that each message reads in one language only. The UI
(at the page boundary, ui/navigation.py) and the CLI catch `AssessmentError` only and show
`message(lang)`.
"""

from __future__ import annotations

import logging
import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Template:
    """A catalogue entry: the message with {placeholders} in English and Chinese."""

    en: str
    zh: str

    @property
    def params(self) -> frozenset[str]:
        """The placeholder names the message declares (the same in both languages)."""
        return frozenset(
            name
            for text in (self.en, self.zh)
            for _, name, _, _ in string.Formatter().parse(text)
            if name
        )


class Bilingual(str):
    """A parameter in words, in both languages: as a `str` it is the English text.

    Being a `str` keeps it usable wherever a detail was plain English (logs, `str(err)`,
    tests that look into it); `Problem.text("zh")` fills in `zh` instead.
    """

    zh: str

    def __new__(cls, en: str, zh: str) -> Bilingual:
        obj = super().__new__(cls, en)
        obj.zh = zh
        return obj

    @property
    def en(self) -> str:
        return str.__str__(self)

    def get(self, lang: str) -> str:
        """The text in `lang` (zh or en)."""
        return self.zh if lang == "zh" else self.en

    def __getnewargs__(self) -> tuple[str, str]:  # type: ignore[override]
        # Pickle (Streamlit's session state, multiprocessing) rebuilds it with both texts.
        return (self.en, self.zh)

    def __repr__(self) -> str:
        return f"Bilingual({self.en!r}, {self.zh!r})"


def foreign(said: object, zh: str, en: str | None = None) -> Bilingual:
    """Words from outside the library (the OS, a parser, a database driver), which have no
    translation: in English `en: said` (or `said` alone); in Chinese `zh（原文：said）`."""
    text = str(said)
    return Bilingual(f"{en}: {text}" if en else text, f"{zh}（原文：{text}）")


# What a missing template parameter renders as (and is logged): never a raw `{value}`.
PLACEHOLDER = Bilingual("(unknown)", "（未知）")

# The things S406 ("… was not found") can name.
NOUNS: Mapping[str, Bilingual] = {
    "assessment": Bilingual("Assessment", "评估"),
    "section": Bilingual("Section", "章节"),
    "user": Bilingual("User", "用户"),
    "peer_model": Bilingual("Peer model", "同类对标模型"),
    "enterprise": Bilingual("Enterprise", "企业"),
}


# Codes are grouped by prefix: Q questionnaire files, A answers, P profile facts,
# G program definitions, S storage, U users and sign-in, M peer models, I imports,
# C command line. A published code never changes meaning.
CATALOGUE: dict[str, Template] = {
    # --- questionnaire files -------------------------------------------------------
    "Q101": Template(
        "The YAML is not valid: {detail}. Check indentation and quoting near this line.",
        "YAML 语法错误：{detail}。请检查该行附近的缩进和引号。",
    ),
    "Q102": Template(
        "Unknown item type '{value}'. Use one of: {valid}.",
        "未知的题目类型 '{value}'。可用类型：{valid}。",
    ),
    "Q103": Template(
        "The id '{value}' is used more than once (first at {first}). Give each item, "
        "section and sub-domain its own id.",
        "编号 '{value}' 重复（首次出现于 {first}）。每个题目、章节和子域的编号必须唯一。",
    ),
    "Q104": Template(
        "The text '{field}' has no {lang} translation. Give both zh and en.",
        "文本 '{field}' 缺少 {lang} 译文。请同时提供 zh 和 en。",
    ),
    "Q105": Template(
        "The weights of {what} sum to {total} for the {variant} variant, not 100. "
        "Adjust them so they sum to 100.",
        "{what} 的权重之和（{variant}）为 {total}，不是 100。请调整使其合计为 100。",
    ),
    "Q106": Template(
        "The 'relevant' expression refers to ${{{ref}}}, which is not a question. "
        "Use the id of an existing question.",
        "显示条件引用了 ${{{ref}}}，但不存在该题目。请使用已有题目的编号。",
    ),
    "Q107": Template(
        "The range is invalid: {detail}. Fix the bounds.",
        "取值范围无效：{detail}。请修正上下限。",
    ),
    "Q108": Template(
        "The 'relevant' expression cannot be parsed: {detail}. See docs/questionnaire-format.md.",
        "显示条件无法解析：{detail}。参见 docs/questionnaire-format.md。",
    ),
    "Q109": Template(
        "The field '{field}' is missing. Add it.",
        "缺少字段 '{field}'。请补充。",
    ),
    "Q110": Template(
        "The field '{field}' has an invalid value '{value}'. {expected}",
        "字段 '{field}' 的值 '{value}' 无效。{expected}",
    ),
    "Q111": Template(
        "The numeric indicator has benchmarks but no 'default' entry. Add a default "
        "baseline and leading value as the fallback for other industries.",
        "数值指标设置了基准值，但缺少 'default' 项。请补充其他行业使用的默认基准值和引领值。",
    ),
    "Q112": Template(
        "The item refers to sub-domain '{value}', which is not declared in its section. "
        "Declare it under 'subdomains' or fix the id.",
        "题目引用的子域 '{value}' 未在本章节声明。请在 'subdomains' 中声明或修正编号。",
    ),
    "Q113": Template(
        "The id '{value}' must start with '{prefix}.' and use lower-case letters, digits, "
        "'_' and '.'.",
        "编号 '{value}' 必须以 '{prefix}.' 开头，且只含小写字母、数字、'_' 和 '.'。",
    ),
    "Q114": Template(
        "The file cannot be read: {detail}.",
        "无法读取文件：{detail}。",
    ),
    "Q115": Template(
        "The questionnaire '{value}' is not available. Known questionnaires: {valid}.",
        "问卷 '{value}' 不存在。可用问卷：{valid}。",
    ),
    "Q116": Template(
        "The field '{field}' is not known here. Check its spelling; known fields: {valid}.",
        "不认识字段 '{field}'。请检查拼写；可用字段：{valid}。",
    ),
    # --- answers -------------------------------------------------------------------
    "A201": Template(
        "There is an answer to '{item}', which is not a question of {questionnaire}. "
        "Remove it or fix the id.",
        "答案中包含 '{item}'，但 {questionnaire} 中没有该题目。请删除或修正编号。",
    ),
    "A202": Template(
        "The answer {value} is out of range: {detail}.",
        "答案 {value} 超出范围：{detail}。",
    ),
    "A203": Template(
        "'{value}' is not an option of this question. Valid options: {valid}.",
        "'{value}' 不是本题的选项。可选：{valid}。",
    ),
    "A204": Template(
        "The answer '{value}' has the wrong type: {expected} expected.",
        "答案 '{value}' 类型不正确：应为{expected}。",
    ),
    "A205": Template(
        "This question is required.",
        "此题为必答题。",
    ),
    "A206": Template(
        "'{value}' is not a valid unified social credit code: {detail}.",
        "'{value}' 不是有效的统一社会信用代码：{detail}。",
    ),
    "A207": Template(
        "'{value}' does not have the required format.",
        "'{value}' 格式不正确。",
    ),
    "A208": Template(
        "The answers file is not valid: {detail}.",
        "答案文件无效：{detail}。",
    ),
    "A209": Template(
        "The answers were made for {questionnaire} version {value}, but version {current} "
        "is loaded. Re-score with the matching questionnaire or migrate the answers.",
        "答案对应 {questionnaire} 版本 {value}，当前加载的是 {current} 版本。"
        "请使用对应版本评分或迁移答案。",
    ),
    "A210": Template(
        "'Don't know' is not allowed for this question.",
        "本题不允许选择\u201c不清楚\u201d。",
    ),
    "A211": Template(
        "The answers file is {size} bytes; the limit is {limit} bytes. It was not read: "
        "an answers file saved by this tool is far smaller, so check that it is the right file.",
        "答案文件大小为 {size} 字节，超过上限 {limit} 字节，未读取。本工具保存的答案文件远小于此，"
        "请确认文件是否正确。",
    ),
    "A212": Template(
        "The text contains a control character (U+{codepoint}) that cannot be stored. "
        "Remove it, for example by typing the text again.",
        "文字中含有无法保存的控制字符（U+{codepoint}）。请删除该字符，例如重新输入这段文字。",
    ),
    "A213": Template(
        "The text is {n} characters long; at most {limit} are allowed. Shorten it.",
        "文字长度为 {n} 个字符，最多允许 {limit} 个。请缩短。",
    ),
    # --- program definitions ---------------------------------------------------------
    "G301": Template(
        "The program definition is invalid: {detail}. Fix it in programs.yaml.",
        "专项工程定义无效：{detail}。请在 programs.yaml 中修正。",
    ),
    "G302": Template(
        "The rule refers to '{ref}', which is not a question, score or profile fact. "
        "Use one of the documented references.",
        "规则引用的 '{ref}' 不是题目、得分或企业信息。请使用文档列出的引用。",
    ),
    # --- storage -------------------------------------------------------------------
    "S401": Template(
        "An enterprise with credit code {value} is already registered. Resume its "
        "assessment with the resume code instead.",
        "统一社会信用代码为 {value} 的企业已登记。请使用续填码继续其评估。",
    ),
    "S402": Template(
        "This draft was changed elsewhere (another tab or browser) since you opened it "
        "(version {expected}, now {actual}). Reload to see the latest answers.",
        "该草稿已在其他页面或浏览器中修改（版本 {expected}，当前 {actual}）。"
        "请重新加载查看最新答案。",
    ),
    "S403": Template(
        "The answers are {size} bytes; the limit is {limit}. Remove long free-text answers.",
        "答案大小为 {size} 字节，超过上限 {limit}。请删减较长的文字回答。",
    ),
    "S404": Template(
        "The answers are not valid JSON: {detail}.",
        "答案不是有效的 JSON：{detail}。",
    ),
    "S405": Template(
        "Questionnaire {questionnaire} version {value} is unknown. Known versions: {valid}.",
        "问卷 {questionnaire} 的版本 {value} 未知。已知版本：{valid}。",
    ),
    "S406": Template(
        "{what} {value} was not found.",
        "未找到{what} {value}。",
    ),
    "S407": Template(
        "This assessment was submitted on {when} and can no longer be changed. Start next "
        "year's assessment to record progress.",
        "该评估已于 {when} 提交，不能再修改。如需记录进展，请开始下一年度的评估。",
    ),
    "S408": Template(
        "The resume code is not valid or has expired. Check it, or start a new assessment.",
        "续填码无效或已过期。请核对，或开始新的评估。",
    ),
    "S409": Template(
        "The database cannot be reached: {detail}. Try again in a moment.",
        "暂时无法连接数据库：{detail}。请稍后重试。",
    ),
    "S410": Template(
        "The import file is not valid: {detail}.",
        "导入文件无效：{detail}。",
    ),
    "S411": Template(
        "An assessment for {value} in {year} already exists.",
        "{value} 在 {year} 年的评估已存在。",
    ),
    "S412": Template(
        "The database schema is at revision {value}, but this version needs {head}. "
        "Run `python -m assessment db upgrade`.",
        "数据库结构版本为 {value}，本程序需要 {head}。请运行 `python -m assessment db upgrade`。",
    ),
    "S413": Template(
        "The peer model version {value} is already registered. Give the new model its own version.",
        "同类对标模型版本 {value} 已登记。请为新模型使用新的版本号。",
    ),
    "S414": Template(
        "The enterprise's name, credit code, city or industry cannot be changed here: its "
        "earlier assessments were submitted under the registered ones ({field}). Ask the "
        "assessment staff for a reviewed correction; they change it for every year at once.",
        "此处不能修改企业名称、统一社会信用代码、所在城市或行业：该企业此前的评估已按登记信息"
        "提交（{field}）。如需更正，请联系评估工作人员审核后统一更正各年度信息。",
    ),
    "S415": Template(
        "This enterprise cannot be registered online. If it is already registered and has "
        "taken part before, open its assessment with the resume code; otherwise ask the "
        "assessment staff to register it (they will check the business licence).",
        "该企业无法在线登记。如该企业已登记并参加过评估，请使用续填码打开原评估；否则请联系"
        "评估工作人员登记（需核验营业执照）。",
    ),
    "S416": Template(
        "Too many wrong resume codes from this address. Try again in {seconds} seconds.",
        "来自该地址的错误续填码过多。请在 {seconds} 秒后重试。",
    ),
    "S417": Template(
        "The database has no table {value}: its schema is missing or damaged. An "
        "administrator must restore it (`python -m assessment db upgrade`, or a backup).",
        "数据库中缺少表 {value}：数据库结构缺失或已损坏。请管理员恢复（运行 "
        "`python -m assessment db upgrade` 或从备份恢复）。",
    ),
    # --- users and sign-in ---------------------------------------------------------
    "U501": Template(
        "The user name or password is wrong.",
        "用户名或密码错误。",
    ),
    "U502": Template(
        "Too many failed sign-ins. Try again in {seconds} seconds.",
        "登录失败次数过多。请在 {seconds} 秒后重试。",
    ),
    "U503": Template(
        "Your session has expired or you are signed out. Sign in again.",
        "会话已过期或已退出。请重新登录。",
    ),
    "U504": Template(
        "This page is for {roles} only.",
        "此页面仅限{roles}访问。",
    ),
    "U505": Template(
        "The user '{value}' already exists.",
        "用户 '{value}' 已存在。",
    ),
    "U506": Template(
        "'{value}' is not a role. Valid roles: {valid}.",
        "'{value}' 不是有效角色。可用角色：{valid}。",
    ),
    "U507": Template(
        "The password is too short: use at least {min} characters.",
        "密码过短：至少 {min} 个字符。",
    ),
    "U508": Template(
        "The two passwords differ. Type the same password twice.",
        "两次输入的密码不一致。请输入相同的密码。",
    ),
    "U509": Template(
        "This password is on the list of common or leaked passwords. Choose another: a "
        "few unrelated words are easy to remember and hard to guess.",
        "该密码属于常见或已泄露的密码。请换一个：几个互不相关的词语既好记又难猜。",
    ),
    "U510": Template(
        "The current password is wrong.",
        "当前密码错误。",
    ),
    # --- peer models ---------------------------------------------------------------
    "M601": Template(
        "The peer model {value} was made with {what} {made}, but {current} is in use. "
        "Refit it with `python -m assessment peers fit`.",
        "同类对标模型 {value} 由 {what} {made} 生成，当前为 {current}。"
        "请运行 `python -m assessment peers fit` 重新拟合。",
    ),
    "M602": Template(
        "There is no active peer model. Fit one with `python -m assessment peers fit`.",
        "尚无可用的同类对标模型。请运行 `python -m assessment peers fit` 拟合。",
    ),
    "M603": Template(
        "Not enough submitted assessments to fit peer groups: {n}, at least {min} needed.",
        "已提交的评估不足以划分同类组：当前 {n} 份，至少需要 {min} 份。",
    ),
    "M604": Template(
        "The peer model file {value} is damaged or not a peer model: {detail}.",
        "同类对标模型文件 {value} 已损坏或格式不符：{detail}。",
    ),
    "M605": Template(
        "Assessment {value} is still a draft; only submitted assessments are compared with "
        "peers. Pick a submitted one, or submit it first.",
        "评估 {value} 仍是草稿；只有已提交的评估才能与同类企业对标。请选择已提交的评估，或先提交。",
    ),
    # --- imports -------------------------------------------------------------------
    "I701": Template(
        "The file is larger than {limit} bytes and was not read.",
        "文件超过 {limit} 字节，未读取。",
    ),
    "I702": Template(
        "The file cannot be read as {kind}: {detail}.",
        "无法按 {kind} 格式读取文件：{detail}。",
    ),
    "I703": Template(
        "The column '{value}' is not a question id or a known column.",
        "列 '{value}' 既不是题目编号也不是已知列。",
    ),
    "I704": Template(
        "The required column '{value}' is missing.",
        "缺少必需的列 '{value}'。",
    ),
    "I705": Template(
        "The cell in row {row}, column {value} holds {n} characters; an XLSX cell holds at "
        "most {limit}. Nothing was exported: export as CSV, which has no such limit.",
        "第 {row} 行 {value} 列的单元格有 {n} 个字符，XLSX 单元格最多 {limit} 个。未导出任何"
        "内容：请改为导出 CSV（无此限制）。",
    ),
    # --- reports -------------------------------------------------------------------
    "R901": Template(
        "No Chinese (CJK) font was found for the PDF report; looked for: {paths}. Install "
        "one with `apt-get install fonts-noto-cjk`, or set ASSESSMENT_CJK_FONT to a font file.",
        "未找到生成 PDF 报告所需的中文字体；已查找：{paths}。请运行 `apt-get install "
        "fonts-noto-cjk` 安装，或将 ASSESSMENT_CJK_FONT 设为字体文件路径。",
    ),
    # --- command line --------------------------------------------------------------
    "C801": Template(
        "The file {value} does not exist.",
        "文件 {value} 不存在。",
    ),
}


@dataclass(frozen=True, slots=True)
class Problem:
    """One coded problem: where it is, what is wrong, how to fix it."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)
    file: str | None = None
    line: int | None = None
    path: str | None = None  # item path, field name, or "row 7, column im.x"

    def location(self) -> str:
        """Location first: file:line [path]."""
        parts = []
        if self.file:
            parts.append(f"{self.file}:{self.line}" if self.line else self.file)
        if self.path:
            parts.append(f"[{self.path}]")
        return " ".join(parts)

    def text(self, lang: str = "en") -> str:
        """The message alone, without location, in `lang` (zh or en).

        A parameter given as a `Bilingual` (words in both languages) is filled in the
        message's language, so a Chinese message never carries an English detail. A
        parameter the message needs but was not given renders as PLACEHOLDER and is logged.
        """
        template = CATALOGUE[self.code]
        raw = template.zh if lang == "zh" else template.en
        return raw.format_map(_Params(self, lang))

    def message(self, lang: str = "en") -> str:
        """Location, code and message on one line."""
        where = self.location()
        text = f"{self.code} {self.text(lang)}"
        return f"{where} {text}" if where else text


class _Params(dict[str, Any]):
    """A problem's parameters in one language; a missing one is a placeholder word."""

    def __init__(self, prob: Problem, lang: str):
        super().__init__((key, in_language(value, lang)) for key, value in prob.params.items())
        self.code = prob.code
        self.lang = lang

    def __missing__(self, key: str) -> str:
        log.warning("%s rendered without its parameter %r", self.code, key)
        return PLACEHOLDER.get(self.lang)


def in_language(value: object, lang: str) -> object:
    """A parameter in `lang`: a Bilingual (or the older Template spelling) picks its language."""
    if isinstance(value, Bilingual):
        return value.get(lang)
    if isinstance(value, Template):  # the older spelling of a bilingual parameter
        return value.zh if lang == "zh" else value.en
    return value


class AssessmentError(Exception):
    """The one base exception the library raises for a user's mistake or a bad file."""

    def __init__(self, problems: Problem | Iterable[Problem]):
        self.problems: tuple[Problem, ...] = (
            (problems,) if isinstance(problems, Problem) else tuple(problems)
        )
        if not self.problems:
            raise ValueError("AssessmentError needs at least one problem")
        super().__init__(self.message("en"))

    def __reduce__(self) -> tuple[Any, ...]:
        # Rebuilt from its problems (the default would pass the message text back in).
        return (type(self), (self.problems,))

    @property
    def code(self) -> str:
        """The code of the first problem."""
        return self.problems[0].code

    @property
    def codes(self) -> list[str]:
        return [p.code for p in self.problems]

    def message(self, lang: str = "en") -> str:
        """All problems, one per line."""
        return "\n".join(p.message(lang) for p in self.problems)


def problem(
    code: str,
    *,
    file: str | None = None,
    line: int | None = None,
    path: str | None = None,
    **params: object,
) -> Problem:
    """Build a Problem, checking the code exists in the catalogue."""
    if code not in CATALOGUE:
        raise KeyError(f"unknown error code {code}")
    return Problem(code=code, params=params, file=file, line=line, path=path)


def fail(
    code: str,
    *,
    file: str | None = None,
    line: int | None = None,
    path: str | None = None,
    **params: object,
) -> AssessmentError:
    """Build an AssessmentError with one problem (use: `raise fail("S406", ...)`)."""
    return AssessmentError(problem(code, file=file, line=line, path=path, **params))
