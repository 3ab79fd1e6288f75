//! Dates on the wire: HTTP-date and RFC 3339 to Unix seconds.
