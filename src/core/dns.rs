//! DNS over HTTPS: the JSON answers of public resolvers and what their addresses mean.
