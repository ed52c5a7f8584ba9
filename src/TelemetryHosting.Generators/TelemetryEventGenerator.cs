using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace TelemetryHosting.Generators;

/// <summary>
/// Writes the bodies of <c>[TelemetryEvent]</c> partial methods: one call to <c>ITelemetryRecorder.Record</c> with
/// the names, version and billing fixed at compile time and the parameters as metadata.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class TelemetryEventGenerator : IIncrementalGenerator
{
    /// <inheritdoc />
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var results = context.SyntaxProvider.ForAttributeWithMetadataName(
            TelemetryEventParser.TelemetryEventAttribute,
            static (node, _) => node is MethodDeclarationSyntax,
            TelemetryEventParser.Parse);

        context.RegisterSourceOutput(results.Select(static (result, _) => result.Diagnostics), static (output, diagnostics) =>
        {
            foreach (var diagnostic in diagnostics)
            {
                output.ReportDiagnostic(diagnostic.ToDiagnostic());
            }
        });

        // One file per type: a type's methods share it, so that overloads need no names of their own.
        var methods = results.Where(static result => result.Method is not null).Select(static (result, _) => result.Method!).Collect();
        context.RegisterSourceOutput(methods, static (output, methods) =>
        {
            foreach (var type in methods.GroupBy(method => method.TypeKey).OrderBy(group => group.Key, StringComparer.Ordinal))
            {
                var ordered = type.OrderBy(method => method.SortKey, StringComparer.Ordinal).ToList();
                output.AddSource(HintName(type.Key), TelemetryEventEmitter.Emit(ordered));
            }
        });
    }

    private static string HintName(string typeKey)
    {
        var name = typeKey.StartsWith("global::", StringComparison.Ordinal) ? typeKey.Substring("global::".Length) : typeKey;
        var chars = name.Select(c => char.IsLetterOrDigit(c) || c == '.' || c == '_' ? c : '_').ToArray();
        return new string(chars) + ".TelemetryEvents.g.cs";
    }
}
