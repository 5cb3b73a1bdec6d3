//! Size limits that bound what a parser accepts, so that hostile input cannot make it use
//! unbounded memory or time.

/// Limits applied while parsing. The defaults suit a phone: SIP over UDP cannot exceed 64 KiB
/// anyway, and real messages have a few dozen header fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest whole message (start line, headers and body), in bytes. Default 65,536.
    pub max_message: usize,
    /// Most header fields (lines, not values). Default 128.
    pub max_headers: usize,
    /// Longest header field including its continuation lines, in bytes. Default 8,192.
    pub max_header_line: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_message: 64 * 1024,
            max_headers: 128,
            max_header_line: 8 * 1024,
        }
    }
}

impl Limits {
    /// Sets the largest message size.
    pub fn with_max_message(mut self, bytes: usize) -> Self {
        self.max_message = bytes;
        self
    }

    /// Sets the most header fields.
    pub fn with_max_headers(mut self, count: usize) -> Self {
        self.max_headers = count;
        self
    }

    /// Sets the longest header field.
    pub fn with_max_header_line(mut self, bytes: usize) -> Self {
        self.max_header_line = bytes;
        self
    }

    /// Limits large enough for anything this process builds itself.
    pub(crate) fn unlimited() -> Self {
        Self {
            max_message: u32::MAX as usize,
            max_headers: usize::MAX,
            max_header_line: u32::MAX as usize,
        }
    }
}
