//! Server-sent events: an incremental parser fed a body chunk by chunk.
