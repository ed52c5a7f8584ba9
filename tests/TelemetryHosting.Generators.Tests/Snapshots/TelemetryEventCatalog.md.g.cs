// # Telemetry events
// | Feature | Action | Version | Metadata | Private metadata | Billing | Method |
// |---|---|---|---|---|---|---|
// | exports | succeeded | 0 | rows (long) |  |  | Exporter.RecordExported |
// | search.results | view | 2 | resultCount (int), elapsed (System.TimeSpan) | query (string) | code-search / core | Search.SearchTelemetry.RecordResultsViewed |
