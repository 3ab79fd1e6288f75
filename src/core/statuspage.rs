//! The status page's summary JSON: the API component's state and open incidents.
