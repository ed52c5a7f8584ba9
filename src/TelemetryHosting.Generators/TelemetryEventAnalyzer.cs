using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace TelemetryHosting.Generators;

/// <summary>
/// Reports TH0002 (a parameter that cannot be metadata) on <c>[TelemetryEvent]</c> methods. It is an analyzer rather than
/// a generator diagnostic so that the IDE offers its code fix (add <c>[PrivateMetadata]</c>) in the usual way. The
/// generator applies the same rules (<see cref="TelemetryEventParser.ReadParameters"/>) and writes the body without such
/// a parameter: a method left without a body would be CS8795, a declaration error after which the command-line compiler
/// runs no analyzer, so <c>dotnet build</c> would show CS8795 alone.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class TelemetryEventAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = [DiagnosticDescriptors.ParameterCannotBeMetadata];

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        // Analyze: with None, TH0002 went unreported once the generator had written the body (the method, whose
        // implementation part is generated code, was left out). Diagnostics in generated code are still not reported,
        // and the implementation part is skipped below.
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.Analyze);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            var attribute = start.Compilation.GetTypeByMetadataName(TelemetryEventParser.TelemetryEventAttribute);
            var recorder = start.Compilation.GetTypeByMetadataName("TelemetryHosting.ITelemetryRecorder");
            if (attribute is null || recorder is null)
            {
                return;
            }

            start.RegisterSymbolAction(symbol => Analyze(symbol, attribute, recorder), SymbolKind.Method);
        });
    }

    private static void Analyze(SymbolAnalysisContext context, INamedTypeSymbol attribute, INamedTypeSymbol recorder)
    {
        var method = (IMethodSymbol)context.Symbol;

        // The generated implementation part: its parameters are the declaration's, reported there.
        if (method.PartialDefinitionPart is not null
            || !method.GetAttributes().Any(data => SymbolEqualityComparer.Default.Equals(data.AttributeClass, attribute)))
        {
            return;
        }

        var diagnostics = ImmutableArray.CreateBuilder<DiagnosticInfo>();
        var canEmit = true;
        TelemetryEventParser.ReadParameters(method, recorder, context.Compilation, diagnostics, ref canEmit);
        foreach (var diagnostic in diagnostics.Where(diagnostic => diagnostic.Descriptor == DiagnosticDescriptors.ParameterCannotBeMetadata))
        {
            // The parameter's own location (in the compilation's tree), which the IDE maps to the document for the fix.
            var location = method.Parameters.SelectMany(parameter => parameter.Locations)
                .FirstOrDefault(candidate => candidate.IsInSource && candidate.SourceSpan == diagnostic.Span);
            if (location is not null)
            {
                context.ReportDiagnostic(Diagnostic.Create(diagnostic.Descriptor, location, [.. diagnostic.Arguments]));
            }
        }
    }
}
