//! Which characters no display name or URI may hold: they would hide or reorder text on a page or
//! in a log.

use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

/// Characters no display name or URI may hold: controls (Cc: NUL, escapes, C1 controls), invisible
/// formatting characters (Cf: zero-width spaces and joiners, bidirectional overrides such as
/// U+202E that reorder what a page or a log shows, the BOM) and the line and paragraph separators
/// (Zl, Zp), which break a log line as a newline does.
pub fn is_invisible(c: char) -> bool {
    // ASCII is all letters, digits, punctuation and space except the C0 controls and DEL.
    if c.is_ascii() {
        return c.is_ascii_control();
    }
    matches!(
        c.general_category(),
        GeneralCategory::Control
            | GeneralCategory::Format
            | GeneralCategory::LineSeparator
            | GeneralCategory::ParagraphSeparator
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invisible_characters_are_controls_formats_and_line_breaks() {
        let invisible = [
            '\0',
            '\t',
            '\n',
            '\u{1F}',
            '\u{7F}',
            '\u{85}',
            '\u{9F}',
            '\u{AD}',
            '\u{200B}',
            '\u{200F}',
            '\u{202A}',
            '\u{202E}',
            '\u{2028}',
            '\u{2029}',
            '\u{2060}',
            '\u{2064}',
            '\u{FEFF}',
            '\u{E0001}',
        ];
        for c in invisible {
            assert!(is_invisible(c), "U+{:04X}", c as u32);
        }
        for c in [' ', 'a', '~', 'é', 'Ω', '株', '\u{A0}', '🦀'] {
            assert!(!is_invisible(c), "U+{:04X}", c as u32);
        }
    }
}
