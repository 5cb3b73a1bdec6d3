//! Size limits that bound what the parser accepts, so that hostile bodies cannot make it use
//! unbounded memory or time.

/// Limits applied while parsing. The defaults are far above any real phone's description
/// and far below what would hurt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest body in bytes. Default 16,384.
    pub max_bytes: usize,
    /// Most lines. Default 512.
    pub max_lines: usize,
    /// Longest line in bytes. Default 2,048.
    pub max_line: usize,
    /// Most attributes in the session section or in one media section. Default 128.
    pub max_attributes: usize,
    /// Most media descriptions. Default 16.
    pub max_media: usize,
    /// Most formats on one m= line. Default 64.
    pub max_formats: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_bytes: 16 * 1024,
            max_lines: 512,
            max_line: 2048,
            max_attributes: 128,
            max_media: 16,
            max_formats: 64,
        }
    }
}

impl Limits {
    /// Sets the largest body size.
    pub fn with_max_bytes(mut self, bytes: usize) -> Self {
        self.max_bytes = bytes;
        self
    }

    /// Sets the most lines.
    pub fn with_max_lines(mut self, lines: usize) -> Self {
        self.max_lines = lines;
        self
    }

    /// Sets the longest line.
    pub fn with_max_line(mut self, bytes: usize) -> Self {
        self.max_line = bytes;
        self
    }

    /// Sets the most attributes per section.
    pub fn with_max_attributes(mut self, count: usize) -> Self {
        self.max_attributes = count;
        self
    }

    /// Sets the most media descriptions.
    pub fn with_max_media(mut self, count: usize) -> Self {
        self.max_media = count;
        self
    }

    /// Sets the most formats on one m= line.
    pub fn with_max_formats(mut self, count: usize) -> Self {
        self.max_formats = count;
        self
    }
}
