use super::*;

fn plan(text: &str) -> DialPlan {
    DialPlan::parse(text).unwrap_or_else(|e| panic!("{text:?} should parse: {e}"))
}

/// Dial `number` at once.
fn now(number: &str) -> Verdict {
    Verdict::Complete {
        number: number.into(),
        wait: false,
    }
}

/// Dial `number` after the wait.
fn later(number: &str) -> Verdict {
    Verdict::Complete {
        number: number.into(),
        wait: true,
    }
}

const PARTIAL: Verdict = Verdict::Partial;
const BLOCKED: Verdict = Verdict::Blocked;
const NO_MATCH: Verdict = Verdict::NoMatch;

/// Checks each `(dialed, verdict)` pair against the plan `text`.
fn assert_plan(text: &str, cases: &[(&str, Verdict)]) {
    let plan = plan(text);
    for (dialed, expected) in cases {
        assert_eq!(
            &plan.check(dialed),
            expected,
            "plan {text:?}, dialed {dialed:?}"
        );
    }
}

fn error(text: &str) -> DialPlanError {
    match DialPlan::parse(text) {
        Ok(plan) => panic!("{text:?} should not parse, got {plan:?}"),
        Err(e) => e,
    }
}

fn assert_error(text: &str, at: usize, rule: Option<usize>, kind: ErrorKind) {
    assert_eq!(
        error(text),
        DialPlanError { at, rule, kind },
        "plan {text:?}"
    );
}

// The grammar, element by element (WP820 list).

#[test]
fn x_is_one_digit() {
    assert_plan(
        "{xx}",
        &[
            ("1", PARTIAL),
            ("12", now("12")),
            ("123", NO_MATCH),
            ("1a", NO_MATCH),
            ("*", NO_MATCH),
        ],
    );
}

#[test]
fn plus_repeats_the_element_before() {
    assert_plan(
        "{xx+}",
        &[
            ("1", PARTIAL),
            ("12", later("12")),
            ("12345", later("12345")),
            ("12*", NO_MATCH),
        ],
    );
}

#[test]
fn question_mark_makes_the_element_optional() {
    assert_plan(
        "{xx?}",
        &[("1", later("1")), ("12", now("12")), ("123", NO_MATCH)],
    );
    // In the middle: "12" matches with the optional digit skipped, and "1x2" could still follow.
    assert_plan(
        "{1x?2}",
        &[
            ("1", PARTIAL),
            ("12", later("12")),
            ("132", now("132")),
            ("1322", NO_MATCH),
        ],
    );
}

#[test]
fn dot_is_one_or_more_keys_of_any_kind() {
    assert_plan(
        "{12.}",
        &[
            ("12", PARTIAL),
            ("123", later("123")),
            ("12*#A+", later("12*#A+")),
            ("13", NO_MATCH),
        ],
    );
}

#[test]
fn sets_and_ranges() {
    assert_plan(
        "{[3-5]}",
        &[
            ("2", NO_MATCH),
            ("3", now("3")),
            ("4", now("4")),
            ("5", now("5")),
        ],
    );
    assert_plan("{[3-5]}", &[("6", NO_MATCH)]);
    assert_plan(
        "{[147]}",
        &[
            ("1", now("1")),
            ("4", now("4")),
            ("7", now("7")),
            ("2", NO_MATCH),
            ("5", NO_MATCH),
        ],
    );
    assert_plan(
        "{[1-35*#]}",
        &[("2", now("2")), ("5", now("5")), ("#", now("#"))],
    );
    assert_plan("{[1-35*#]}", &[("4", NO_MATCH)]);
    // Whitespace inside brackets is dropped.
    assert_plan("{[1 4 7]x}", &[("49", now("49"))]);
}

#[test]
fn replace_add_remove_at_the_start() {
    assert_plan(
        "{<2=011>x+}",
        &[("2", PARTIAL), ("25", later("0115")), ("35", NO_MATCH)],
    );
    assert_plan("{<=1>x+}", &[("5", later("15"))]);
    assert_plan("{<1=>x+}", &[("15", later("5")), ("25", NO_MATCH)]);
}

#[test]
fn edits_in_the_middle_while_typing() {
    assert_plan(
        "{123<456=0>789}",
        &[
            ("1234", PARTIAL),
            ("1235", NO_MATCH),
            ("123456", PARTIAL),
            ("1234567", PARTIAL),
            ("123456789", now("1230789")),
        ],
    );
    assert_plan("{12<=34>5x}", &[("125", PARTIAL), ("1256", now("123456"))]);
    assert_plan(
        "{1<23=>4x+}",
        &[("12", PARTIAL), ("1234", PARTIAL), ("12345", later("145"))],
    );
    assert_plan("{123<555=>}", &[("12355", PARTIAL), ("1235555", NO_MATCH)]);
}

#[test]
fn edits_of_the_plus_sign() {
    assert_plan("{<+=00>x+}", &[("+49", later("0049"))]);
    assert_plan("{<00=+>x+}", &[("0049", later("+49")), ("0", PARTIAL)]);
}

#[test]
fn leading_plus_is_the_plus_sign() {
    assert_plan(
        "{+x+}",
        &[
            ("+", PARTIAL),
            ("+1", later("+1")),
            ("1", NO_MATCH),
            ("++1", NO_MATCH),
        ],
    );
    // After an edit there is nothing to repeat either.
    assert_plan("{<=00>+x}", &[("+1", now("00+1"))]);
}

#[test]
fn t_flag_waits_even_when_nothing_longer_can_match() {
    // WP820: "1XXT" waits for more keys; "1XX" dials at the third key.
    assert_plan("{1XX}", &[("12", PARTIAL), ("123", now("123"))]);
    assert_plan(
        "{1XXT}",
        &[("12", PARTIAL), ("123", later("123")), ("1234", NO_MATCH)],
    );
    assert_plan(
        "{1xxT x+}",
        &[("123", later("123")), ("1234", later("1234"))],
    );
}

#[test]
fn accepted_keys() {
    assert_plan("{*x+}", &[("*1", later("*1"))]);
    assert_plan("{#x}", &[("#1", now("#1"))]);
    // Letters match in either case; the number keeps what was typed.
    assert_plan(
        "{ABCD}",
        &[
            ("ABCD", now("ABCD")),
            ("abcd", now("abcd")),
            ("aBc", PARTIAL),
        ],
    );
    assert_plan("{abcd}", &[("ABCD", now("ABCD"))]);
}

#[test]
fn keys_the_phone_cannot_dial_never_match() {
    assert_plan(
        "{x+ .}",
        &[
            ("12 3", NO_MATCH),
            ("1-2", NO_MATCH),
            ("١٢", NO_MATCH),
            ("é", NO_MATCH),
        ],
    );
}

#[test]
fn separators() {
    let spaced = plan("{ 911 x+*x+ }");
    assert_eq!(spaced, plan("911|x+*x+"));
    assert_eq!(spaced, plan("  { 911 |\tx+*x+ }  "));
    assert_eq!(spaced, plan("{911\n|\n x+*x+}"));
    assert_eq!(spaced.rule_count(), 2);
}

// WP820 examples.

#[test]
fn wp820_example_1() {
    // The prose speaks of 10-digit numbers; "1617" and seven x make 11 keys, and the pattern
    // is what counts.
    assert_plan(
        "{[369]11 1617xxxxxxx}",
        &[
            ("311", now("311")),
            ("611", now("611")),
            ("911", now("911")),
            ("411", NO_MATCH),
            ("9", PARTIAL),
            ("1617555123", PARTIAL),
            ("16175551234", now("16175551234")),
            ("161755512345", NO_MATCH),
        ],
    );
}

#[test]
fn wp820_example_2() {
    assert_plan(
        "{^1900x+ <=1617>xxxxxxx}",
        &[
            ("1900", PARTIAL),
            ("19005", BLOCKED),
            // Seven keys fit the allowing rule, but the exclusion wins.
            ("1900555", BLOCKED),
            ("555", PARTIAL),
            ("5551234", now("16175551234")),
            ("55512345", NO_MATCH),
        ],
    );
}

#[test]
fn wp820_example_3() {
    assert_plan(
        "{1xxx[2-9]xxxxxx <2=011>x+}",
        &[
            ("1617", PARTIAL),
            ("16175551234", now("16175551234")),
            ("16171551234", NO_MATCH),
            ("2", PARTIAL),
            ("2345", later("011345")),
            ("3", NO_MATCH),
        ],
    );
}

#[test]
fn wp820_example_4_replace() {
    // The text says dialing 123611 "will become 123611"; the rule replaces 611 by 456, which
    // is what the other examples do.
    assert_plan("{123<611=456>}", &[("123611", now("123456"))]);
    assert_plan("{<611=456>789}", &[("611789", now("456789"))]);
    assert_plan("{123<456=0>789}", &[("123456789", now("1230789"))]);
}

#[test]
fn wp820_example_4_add() {
    assert_plan("{<=1>x+}", &[("3000", later("13000"))]);
    assert_plan("{<=611>555}", &[("555", now("611555"))]);
    assert_plan("{123<=907>456}", &[("123456", now("123907456"))]);
}

#[test]
fn wp820_example_4_remove() {
    assert_plan("{<611=>555}", &[("611555", now("555"))]);
    assert_plan("{123<907=>456}", &[("123907456", now("123456"))]);
    assert_plan("{123<555=>}", &[("123555", now("123"))]);
}

#[test]
fn default_plan() {
    assert_eq!(
        DialPlan::default(),
        plan("{ x+ +x+ *x+ *xx*x+ x+*x+*x+*x+ x+*x+*x+*x+#x+ }")
    );
    let plan = DialPlan::default();
    let cases = [
        ("", PARTIAL),
        ("5551234", later("5551234")),
        ("+16175669300", later("+16175669300")),
        ("+", PARTIAL),
        ("*", PARTIAL),
        ("*72", later("*72")),
        ("*72*5", later("*72*5")),
        ("1*2*3*4", later("1*2*3*4")),
        ("1*2*3*4#5", later("1*2*3*4#5")),
        ("1*", PARTIAL),
        ("1#", NO_MATCH),
        ("#", NO_MATCH),
    ];
    for (dialed, expected) in cases {
        assert_eq!(plan.check(dialed), expected, "dialed {dialed:?}");
    }
}

#[test]
fn us_home_office_example() {
    assert_plan(
        "{ ^1900x. <=1617>[2-9]xxxxxx 1[2-9]xx[2-9]xxxxxx 011[2-9]x. [3469]11 +x+ }",
        &[
            // ^1900x.
            ("1900", PARTIAL),
            ("19005", PARTIAL),
            ("190055", BLOCKED),
            ("19005551234", BLOCKED),
            // <=1617>[2-9]xxxxxx
            ("5551234", now("16175551234")),
            ("115", NO_MATCH),
            // 1[2-9]xx[2-9]xxxxxx
            ("16175551234", now("16175551234")),
            ("11175551234", NO_MATCH),
            // 011[2-9]x.
            ("0114", PARTIAL),
            ("01144", PARTIAL),
            ("011441", later("011441")),
            ("011441234567", later("011441234567")),
            ("0111", NO_MATCH),
            // [3469]11: 411 and 611 are also the start of local numbers, and dial at once.
            ("311", now("311")),
            ("411", now("411")),
            ("611", now("611")),
            ("911", now("911")),
            ("511", PARTIAL),
            // +x+
            ("+16175669300", later("+16175669300")),
            // No rule for star codes.
            ("*123", NO_MATCH),
            ("02", NO_MATCH),
        ],
    );
}

#[test]
fn star_codes_example() {
    assert_plan(
        "{ *x+ }",
        &[("*", PARTIAL), ("*123", later("*123")), ("123", NO_MATCH)],
    );
}

#[test]
fn typing_a_number_key_by_key() {
    let plan = plan("{ ^1900x. <=1617>[2-9]xxxxxx 1[2-9]xx[2-9]xxxxxx 011[2-9]x. [3469]11 +x+ }");
    let dialed = "5551234";
    let verdicts: Vec<Verdict> = (1..=dialed.len())
        .map(|n| plan.check(&dialed[..n]))
        .collect();
    let mut expected = vec![PARTIAL; 6];
    expected.push(now("16175551234"));
    assert_eq!(verdicts, expected);
    let verdicts: Vec<Verdict> = (1..=3).map(|n| plan.check(&"911"[..n])).collect();
    assert_eq!(verdicts, [PARTIAL, PARTIAL, now("911")]);
}

// GHP examples. Its text has slips, noted where a test follows the meaning instead.

#[test]
fn ghp_capital_x_is_a_digit_or_letter() {
    let cases = [
        ("AA", now("AA")),
        ("Ab", now("Ab")),
        ("1C", now("1C")),
        ("f5", now("f5")),
        ("68", now("68")),
        ("A", PARTIAL),
        ("*1", NO_MATCH),
        ("A#", NO_MATCH),
    ];
    assert_plan("{XX}", &cases);
    assert_plan("{xx}", &[("1C", NO_MATCH)]);
}

#[test]
fn ghp_literal_string() {
    assert_plan(
        "{test}",
        &[
            ("te", PARTIAL),
            ("test", now("test")),
            ("TEST", now("TEST")),
            ("tess", NO_MATCH),
        ],
    );
}

#[test]
fn ghp_ranges() {
    // The GHP text describes [3-5] as "1, 4, or 7" (the [147] line's words); the range means
    // 3, 4 and 5.
    assert_plan(
        "{[3-5]}",
        &[
            ("1", NO_MATCH),
            ("3", now("3")),
            ("4", now("4")),
            ("7", NO_MATCH),
        ],
    );
}

#[test]
fn ghp_spaces_inside_an_edit() {
    // GHP writes "<2=011 >"; whitespace inside the brackets is dropped.
    assert_eq!(plan("{<2=011 >x+}"), plan("{<2=011>x+}"));
    assert_plan("{< 2 = 011 >x+}", &[("25", later("0115"))]);
}

#[test]
fn ghp_example_1() {
    // Twelve keys in the pattern against "11 digit numbers" in the prose: the pattern counts.
    assert_plan(
        "{[369]11 1617xxxxxxxx}",
        &[
            ("311", now("311")),
            ("611", now("611")),
            ("911", now("911")),
            ("16171234567", PARTIAL),
            ("161712345678", now("161712345678")),
        ],
    );
}

#[test]
fn ghp_example_2() {
    // Written "(*1900x+ <=1617 > xxxxxxxx}": "(*" stands for "{^", and the prose asks for a
    // prefix on 7-digit numbers, so the edit belongs to a rule of seven x.
    assert_plan(
        "{^1900x+ <=1617 >xxxxxxx}",
        &[
            ("19001", BLOCKED),
            ("5551234", now("16175551234")),
            ("555123", PARTIAL),
        ],
    );
    // As written, it is refused rather than read as something else.
    let text = "(*1900x+ <=1617 > xxxxxxxx}";
    let e = error(text);
    assert_eq!(e.kind, ErrorKind::Unopened('}'));
    assert_eq!(e.at, text.chars().count() - 1);
}

#[test]
fn ghp_example_3() {
    // Written with a space between "<2=011 >" and "x+"; the space would make the edit a rule
    // of its own, while the prose describes one rule.
    assert_plan(
        "{1xxx[2-9]xxxxxx <2=011 >x+}",
        &[
            ("16175551234", now("16175551234")),
            ("2345", later("011345")),
        ],
    );
}

#[test]
fn ghp_us_example_is_garbled_and_refused() {
    // The GHP copy of the home/office plan lost its characters (the WP820 copy is tested in
    // `us_home_office_example`); it fails with a precise error rather than a guess.
    let text = "{*1900x. <=1617>[2-9]xxxxxx x=200 x=1000 x=1617>[2-9]xxxxxx x=1000 x=";
    assert_error(text, 0, None, ErrorKind::Unclosed('{'));
    let text = "{*1900x. <=1617>[2-9]xxxxxx x=200}";
    assert_error(text, 29, Some(3), ErrorKind::IllegalChar('='));
}

// GXP1760W FAQ (Chinese) examples.

#[test]
fn gxp1760w_setting_example() {
    assert_plan(
        "{ x+ | *x+ | *xx*x+ }",
        &[
            ("123", later("123")),
            ("*12", later("*12")),
            ("*12*3", later("*12*3")),
            ("*12*", PARTIAL),
            ("#", NO_MATCH),
        ],
    );
}

#[test]
fn gxp1760w_grammar() {
    assert_plan("{x+}", &[("5551234", later("5551234")), ("*", NO_MATCH)]);
    assert_plan("{xx}", &[("12", now("12"))]);
    assert_plan("{[3-5]}", &[("4", now("4")), ("6", NO_MATCH)]);
    assert_plan("{[147]}", &[("7", now("7")), ("3", NO_MATCH)]);
    assert_plan("{<2=011>x+}", &[("2612", later("011612"))]);
    assert_plan("{^1x+ x+}", &[("15", BLOCKED), ("25", later("25"))]);
}

#[test]
fn gxp1760w_example_1() {
    assert_plan(
        "{[369]11 | 1617xxxxxxx}",
        &[
            ("311", now("311")),
            ("611", now("611")),
            ("911", now("911")),
        ],
    );
    assert_plan(
        "{[369]11 | 1617xxxxxxx}",
        &[("16175551234", now("16175551234"))],
    );
}

#[test]
fn gxp1760w_example_2() {
    assert_plan(
        "{^1900x+ | <=1617>xxxxxxx}",
        &[
            ("19001", BLOCKED),
            ("1900", PARTIAL),
            ("5551234", now("16175551234")),
        ],
    );
}

// Precedence between rules.

#[test]
fn a_rule_that_needs_no_wait_wins() {
    // "911" also matches x+, which could go on; the exact rule dials at once.
    assert_plan(
        "{ x+ 911 }",
        &[
            ("91", later("91")),
            ("911", now("911")),
            ("9112", later("9112")),
        ],
    );
    assert_plan(
        "{ <=1>x+ <=2>xxx }",
        &[("55", later("155")), ("555", now("2555"))],
    );
}

#[test]
fn the_first_rule_in_the_plan_gives_the_number() {
    assert_plan("{ <=9>xxx xxx }", &[("123", now("9123"))]);
    assert_plan("{ xxx <=9>xxx }", &[("123", now("123"))]);
    assert_plan("{ <=1>x+ <=2>x+ }", &[("5", later("15"))]);
}

#[test]
fn exclusions_win_wherever_they_stand() {
    assert_plan("{ 911 ^911 }", &[("911", BLOCKED)]);
    assert_plan("{ ^9x+ 911 }", &[("911", BLOCKED), ("9", PARTIAL)]);
}

#[test]
fn an_exclusion_blocks_only_a_complete_match() {
    assert_plan(
        "{ ^1900x+ x+ }",
        &[("1900", later("1900")), ("19001", BLOCKED)],
    );
}

#[test]
fn keys_only_an_exclusion_could_take_never_match() {
    assert_plan(
        "{ ^1900x+ 2xx }",
        &[("19", NO_MATCH), ("19001", BLOCKED), ("2", PARTIAL)],
    );
    assert_plan(
        "{ ^1x+ }",
        &[("", NO_MATCH), ("1", NO_MATCH), ("12", BLOCKED)],
    );
}

#[test]
fn many_ways_to_match_stay_fast() {
    let plan = plan(&"x+".repeat(50));
    let dialed = "1".repeat(300);
    assert_eq!(plan.check(&dialed), later(&dialed));
}

// Errors.

#[test]
fn plan_level_errors() {
    assert_error("", 0, None, ErrorKind::NoRules);
    assert_error("   ", 0, None, ErrorKind::NoRules);
    assert_error("{}", 0, None, ErrorKind::NoRules);
    assert_error("{ x+", 0, None, ErrorKind::Unclosed('{'));
    assert_error("x+}", 2, Some(1), ErrorKind::Unopened('}'));
    assert_error("{x+ {911}}", 4, Some(2), ErrorKind::IllegalChar('{'));
}

#[test]
fn empty_rules() {
    assert_error("x+ || 911", 4, Some(2), ErrorKind::EmptyRule);
    assert_error("{| x+}", 1, Some(1), ErrorKind::EmptyRule);
    assert_error("{x+ |}", 4, Some(2), ErrorKind::EmptyRule);
    assert_error("{x+ <=1>}", 4, Some(2), ErrorKind::MatchesEmpty);
    assert_error("{x?}", 1, Some(1), ErrorKind::MatchesEmpty);
    assert_error("{x+ ^}", 4, Some(2), ErrorKind::MatchesEmpty);
    assert_error("{T}", 1, Some(1), ErrorKind::MatchesEmpty);
}

#[test]
fn unbalanced_brackets() {
    assert_error("[3-5", 0, Some(1), ErrorKind::Unclosed('['));
    assert_error("911 12<3=4", 6, Some(2), ErrorKind::Unclosed('<'));
    assert_error("x]", 1, Some(1), ErrorKind::Unopened(']'));
    assert_error("x>", 1, Some(1), ErrorKind::Unopened('>'));
    assert_error("<1=<2>>", 3, Some(1), ErrorKind::IllegalChar('<'));
    assert_error("[1[2]]", 2, Some(1), ErrorKind::IllegalChar('['));
    assert_error("[1|2]", 2, Some(1), ErrorKind::IllegalChar('|'));
}

#[test]
fn bad_sets() {
    assert_error(
        "[5-3]",
        2,
        Some(1),
        ErrorKind::BadRange { from: '5', to: '3' },
    );
    assert_error(
        "[1-c]",
        2,
        Some(1),
        ErrorKind::BadRange { from: '1', to: 'c' },
    );
    assert_error("[-3]", 1, Some(1), ErrorKind::IllegalChar('-'));
    assert_error("[3-]", 2, Some(1), ErrorKind::IllegalChar('-'));
    assert_error("[]", 0, Some(1), ErrorKind::EmptySet);
    assert_error("[1x]", 2, Some(1), ErrorKind::IllegalChar('x'));
    assert_plan("{[a-c]x}", &[("b1", now("b1"))]);
}

#[test]
fn bad_repeats_and_excludes() {
    assert_error("?1", 0, Some(1), ErrorKind::NothingToRepeat('?'));
    assert_error("<=1>?2", 4, Some(1), ErrorKind::NothingToRepeat('?'));
    assert_error("x++", 2, Some(1), ErrorKind::RepeatedQuantifier('+'));
    assert_error("x+?", 2, Some(1), ErrorKind::RepeatedQuantifier('?'));
    assert_error(".?", 1, Some(1), ErrorKind::RepeatedQuantifier('?'));
    assert_error("1^2", 1, Some(1), ErrorKind::MisplacedExclude);
}

#[test]
fn bad_edits_and_characters() {
    assert_error("<12>3", 0, Some(1), ErrorKind::EditWithoutEquals);
    assert_error("<1=2=3>4", 0, Some(1), ErrorKind::EditWithoutEquals);
    assert_error("<x=1>2", 1, Some(1), ErrorKind::IllegalChar('x'));
    assert_error("12-3", 2, Some(1), ErrorKind::IllegalChar('-'));
    assert_error("x=1", 1, Some(1), ErrorKind::IllegalChar('='));
    // Positions count characters, not bytes.
    assert_error("ééé", 0, Some(1), ErrorKind::IllegalChar('é'));
    assert_error("1é", 1, Some(1), ErrorKind::IllegalChar('é'));
}

#[test]
fn error_messages() {
    assert_eq!(
        error("").to_string(),
        "dial plan column 1: the plan has no rules"
    );
    // The closing brace ends the plan, which leaves the set open.
    assert_eq!(
        error("{x+ [3-5}").to_string(),
        "dial plan rule 2, column 5: '[' is never closed"
    );
    assert_eq!(
        error("{x+ [3-5").to_string(),
        "dial plan column 1: '{' is never closed"
    );
    assert_eq!(
        error("x+ [3-5").to_string(),
        "dial plan rule 2, column 4: '[' is never closed"
    );
    assert_eq!(
        error("[5-3]").to_string(),
        "dial plan rule 1, column 3: the range 5-3 is not ascending within one kind of key"
    );
    assert_eq!(
        error("12-3").to_string(),
        "dial plan rule 1, column 3: '-' is not allowed here"
    );
    assert_eq!(
        error("<12>").to_string(),
        "dial plan rule 1, column 1: an edit '<...>' needs exactly one '='"
    );
    assert_eq!(
        error("x+ ||").to_string(),
        "dial plan rule 2, column 5: empty rule"
    );
}

// Garbage in, never a panic.

/// A small deterministic generator (xorshift64*), so that failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn string(&mut self, alphabet: &[char], max_len: usize) -> String {
        let len = self.below(max_len + 1);
        (0..len)
            .map(|_| alphabet[self.below(alphabet.len())])
            .collect()
    }
}

#[test]
fn garbage_never_panics() {
    let grammar: Vec<char> = "0123456789xX*#+?.^[]<>=-|{} TtAbé\t\n,;(".chars().collect();
    let keys: Vec<char> = "0123456789*#+AbxT é".chars().collect();
    let mut rng = Rng(0x5eed_1234_abcd_0042);
    let mut parsed = 0;
    for _ in 0..20_000 {
        let text = rng.string(&grammar, 24);
        let Ok(plan) = DialPlan::parse(&text) else {
            continue;
        };
        parsed += 1;
        assert!(plan.rule_count() > 0);
        // No plan completes an empty number.
        assert!(
            !matches!(plan.check(""), Verdict::Complete { .. }),
            "{text:?}"
        );
        for _ in 0..8 {
            let dialed = rng.string(&keys, 12);
            let verdict = plan.check(&dialed);
            // Keys that can never match stay unmatchable (or run into an exclusion) as more
            // keys follow.
            if verdict == NO_MATCH {
                let longer = format!("{dialed}{}", keys[rng.below(keys.len())]);
                assert!(
                    matches!(plan.check(&longer), NO_MATCH | BLOCKED),
                    "{text:?} {longer:?}"
                );
            }
        }
    }
    assert!(parsed > 500, "only {parsed} random plans parsed");
    // Arbitrary bytes as well, including non-ASCII and control characters.
    for _ in 0..5_000 {
        let len = rng.below(40);
        let bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        let text = String::from_utf8_lossy(&bytes);
        if let Ok(plan) = DialPlan::parse(&text) {
            let _ = plan.check(&text);
        }
    }
}

#[test]
fn check_rejects_garbage_numbers_without_panicking() {
    let plan = DialPlan::default();
    let mut rng = Rng(7);
    for _ in 0..5_000 {
        let len = rng.below(40);
        let bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        let _ = plan.check(&String::from_utf8_lossy(&bytes));
    }
}
