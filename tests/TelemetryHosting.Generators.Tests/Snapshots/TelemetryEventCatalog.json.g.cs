// {
//   "events": [
//     {
//       "feature": "exports",
//       "action": "succeeded",
//       "version": 0,
//       "metadata": [{ "key": "rows", "type": "long" }],
//       "privateMetadata": [],
//       "billing": null,
//       "method": "Exporter.RecordExported"
//     },
//     {
//       "feature": "search.results",
//       "action": "view",
//       "version": 2,
//       "metadata": [{ "key": "resultCount", "type": "int" }, { "key": "elapsed", "type": "System.TimeSpan" }],
//       "privateMetadata": [{ "key": "query", "type": "string" }],
//       "billing": { "product": "code-search", "category": "core" },
//       "method": "Search.SearchTelemetry.RecordResultsViewed"
//     }
//   ]
// }
