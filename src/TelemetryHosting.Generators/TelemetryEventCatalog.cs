using System.Globalization;
using System.Text;

namespace TelemetryHosting.Generators;

/// <summary>
/// The catalogue of a compilation's <c>[TelemetryEvent]</c> methods, as JSON and as a Markdown table. A generator cannot
/// write files, so each is a generated source of line comments; the package's MSBuild target
/// (TelemetryHosting.targets) strips the comment marks and writes telemetry-events.json and telemetry-events.md.
/// </summary>
internal static class TelemetryEventCatalog
{
    /// <summary>What starts every line; the target removes it.</summary>
    public const string LinePrefix = "// ";

    public static string Json(IReadOnlyList<EventMethod> methods)
    {
        var lines = new List<string> { "{", "  \"events\": [" };
        var ordered = Order(methods);
        for (var i = 0; i < ordered.Count; i++)
        {
            var method = ordered[i];
            var billing = method.BillingProduct is not null && method.BillingCategory is not null
                ? $"{{ \"product\": {Quote(method.BillingProduct)}, \"category\": {Quote(method.BillingCategory)} }}"
                : "null";
            lines.Add("    {");
            lines.Add($"      \"feature\": {Quote(method.Feature)},");
            lines.Add($"      \"action\": {Quote(method.Action)},");
            lines.Add($"      \"version\": {method.Version.ToString(CultureInfo.InvariantCulture)},");
            lines.Add($"      \"metadata\": [{Keys(method, ParameterRole.Metadata)}],");
            lines.Add($"      \"privateMetadata\": [{Keys(method, ParameterRole.PrivateMetadata)}],");
            lines.Add($"      \"billing\": {billing},");
            lines.Add($"      \"method\": {Quote(FullName(method))}");
            lines.Add(i == ordered.Count - 1 ? "    }" : "    },");
        }

        lines.Add("  ]");
        lines.Add("}");
        return Comment(lines);
    }

    public static string Markdown(IReadOnlyList<EventMethod> methods)
    {
        var lines = new List<string>
        {
            "# Telemetry events",
            "| Feature | Action | Version | Metadata | Private metadata | Billing | Method |",
            "|---|---|---|---|---|---|---|",
        };
        foreach (var method in Order(methods))
        {
            var billing = method.BillingProduct is not null && method.BillingCategory is not null
                ? $"{method.BillingProduct} / {method.BillingCategory}"
                : string.Empty;
            lines.Add($"| {Cell(method.Feature)} | {Cell(method.Action)} | {method.Version.ToString(CultureInfo.InvariantCulture)} | {Cell(KeyList(method, ParameterRole.Metadata))} | {Cell(KeyList(method, ParameterRole.PrivateMetadata))} | {Cell(billing)} | {Cell(FullName(method))} |");
        }

        return Comment(lines);
    }

    private static List<EventMethod> Order(IReadOnlyList<EventMethod> methods) =>
        [.. methods.OrderBy(method => method.Feature, StringComparer.Ordinal)
            .ThenBy(method => method.Action, StringComparer.Ordinal)
            .ThenBy(method => method.Version)
            .ThenBy(method => FullName(method), StringComparer.Ordinal)];

    private static string FullName(EventMethod method) =>
        method.Namespace is null ? method.DisplayName : method.Namespace + "." + method.DisplayName;

    private static string Keys(EventMethod method, ParameterRole role) => string.Join(", ", method.Parameters
        .Where(parameter => parameter.Role == role)
        .Select(parameter => $"{{ \"key\": {Quote(parameter.Key!)}, \"type\": {Quote(TypeName(parameter))} }}"));

    private static string KeyList(EventMethod method, ParameterRole role) => string.Join(", ", method.Parameters
        .Where(parameter => parameter.Role == role)
        .Select(parameter => $"{parameter.Key} ({TypeName(parameter)})"));

    private static string TypeName(EventParameter parameter) => parameter.Type.Replace("global::", string.Empty);

    private static string Cell(string text) => text.Replace("|", "\\|");

    private static string Comment(List<string> lines)
    {
        var text = new StringBuilder();
        foreach (var line in lines)
        {
            text.Append(LinePrefix).Append(line).Append('\n');
        }

        return text.ToString();
    }

    private static string Quote(string value)
    {
        var text = new StringBuilder("\"");
        foreach (var c in value)
        {
            switch (c)
            {
                case '"': text.Append("\\\""); break;
                case '\\': text.Append("\\\\"); break;
                case < ' ': text.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture)); break;
                default: text.Append(c); break;
            }
        }

        return text.Append('"').ToString();
    }
}
