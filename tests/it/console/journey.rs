//! The journey placeholder (filled in next).
