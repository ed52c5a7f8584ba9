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

    /// <summary>The diagnostic, located in its syntax tree when <paramref name="trees"/> has it (so that pragmas apply).</summary>
    public Diagnostic ToDiagnostic(IReadOnlyDictionary<string, SyntaxTree>? trees = null)
    {
        var location = FilePath.Length == 0 ? Location.None
            : trees is not null && trees.TryGetValue(FilePath, out var tree) && Span.End <= tree.Length ? Location.Create(tree, Span)
            : Location.Create(FilePath, Span, LineSpan);
        return Diagnostic.Create(Descriptor, location, [.. Arguments]);
    }
}

/// <summary>What the parser found for one method: the model to emit (when one can be), and the diagnostics.</summary>
internal sealed record ParseResult(EventMethod? Method, EquatableArray<DiagnosticInfo> Diagnostics);
