using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace TelemetryHosting.Generators;

/// <summary>
/// A diagnostic kept in the incremental pipeline: its location without the syntax tree (which would keep the whole
/// compilation alive and defeat caching), its arguments as strings.
/// </summary>
internal sealed record DiagnosticInfo(DiagnosticDescriptor Descriptor, string FilePath, TextSpan Span, LinePositionSpan LineSpan, EquatableArray<string> Arguments)
{
    public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, Location? location, params string[] arguments)
    {
        location ??= Location.None;
        return new DiagnosticInfo(
            descriptor,
            location.SourceTree?.FilePath ?? string.Empty,
            location.SourceSpan,
            location.GetLineSpan().Span,
            new EquatableArray<string>([.. arguments]));
    }

    public Diagnostic ToDiagnostic() =>
        Diagnostic.Create(Descriptor, FilePath.Length == 0 ? Location.None : Location.Create(FilePath, Span, LineSpan), [.. Arguments]);
}

/// <summary>What the parser found for one method: the model to emit (when one can be), and the diagnostics.</summary>
internal sealed record ParseResult(EventMethod? Method, EquatableArray<DiagnosticInfo> Diagnostics);
