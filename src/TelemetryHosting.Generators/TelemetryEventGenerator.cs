using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace TelemetryHosting.Generators;

/// <summary>
/// Writes the bodies of <c>[TelemetryEvent]</c> partial methods: a <c>TelemetryEventDefinition</c> per method, with the
/// names, version, keys and billing fixed at compile time, and one call of its <c>Record</c> with the parameters' values.
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

        // One file per type: a type's methods share it, so that overloads need no names of their own.
        var methods = results.Where(static result => result.Method is not null).Select(static (result, _) => result.Method!).Collect();

        // Every diagnostic of the methods, and TH0011 between them. TH0002 is left to TelemetryEventAnalyzer when analyzers
        // run in this build (so that dotnet format and the IDE's live analysis see it, with its fix), and reported here
        // when they do not (RunAnalyzers=false, or a project without TelemetryHosting.targets): never both, never neither
        // (AnalyzerSettings). Each is located in its method's syntax tree (found by path in the current compilation), so
        // that '#pragma warning disable' and per-file severities apply to it; reporting is cheap, the parsing stays cached.
        var analyzersReportTH0002 = context.AnalyzerConfigOptionsProvider.Select(static (options, _) => AnalyzerSettings.AnalyzersReportTH0002(options.GlobalOptions));
        var methodDiagnostics = results.Select(static (result, _) => result.Diagnostics).Where(static diagnostics => diagnostics.Length > 0).Collect();
        var shapeDiagnostics = methods.Select(static (methods, _) => DuplicateShapes(methods));
        var diagnostics = methodDiagnostics.Combine(shapeDiagnostics).Combine(analyzersReportTH0002).Select(static (input, _) =>
            new EquatableArray<DiagnosticInfo>([
                .. input.Left.Left.SelectMany(diagnostics => diagnostics)
                    .Where(diagnostic => !input.Right || diagnostic.Descriptor != DiagnosticDescriptors.ParameterCannotBeMetadata),
                .. input.Left.Right,
            ]));
        context.RegisterSourceOutput(diagnostics.Combine(context.CompilationProvider), static (output, input) =>
        {
            if (input.Left.Length == 0)
            {
                return;
            }

            // The trees of the diagnostics' files only, looked up by path: no map of every tree of the compilation, and
            // the walk ends once each is found.
            var paths = new HashSet<string>(input.Left.Select(diagnostic => diagnostic.FilePath), StringComparer.Ordinal);
            var trees = new Dictionary<string, SyntaxTree>(StringComparer.Ordinal);
            foreach (var tree in input.Right.SyntaxTrees)
            {
                if (paths.Contains(tree.FilePath) && !trees.ContainsKey(tree.FilePath))
                {
                    trees[tree.FilePath] = tree;
                    if (trees.Count == paths.Count)
                    {
                        break;
                    }
                }
            }

            foreach (var diagnostic in input.Left)
            {
                output.ReportDiagnostic(diagnostic.ToDiagnostic(trees));
            }
        });

        // The catalogue, when the project opts in with <TelemetryEventCatalog>true</TelemetryEventCatalog>.
        var catalogue = context.AnalyzerConfigOptionsProvider.Select(static (options, _) =>
            options.GlobalOptions.TryGetValue("build_property.TelemetryEventCatalog", out var value)
            && string.Equals(value, "true", StringComparison.OrdinalIgnoreCase));
        context.RegisterSourceOutput(methods.Combine(catalogue), static (output, input) =>
        {
            if (input.Right)
            {
                output.AddSource("TelemetryEventCatalog.json.g.cs", TelemetryEventCatalog.Json(input.Left));
                output.AddSource("TelemetryEventCatalog.md.g.cs", TelemetryEventCatalog.Markdown(input.Left));
            }
        });
        context.RegisterSourceOutput(methods, static (output, methods) =>
        {
            foreach (var type in methods.GroupBy(method => method.TypeKey).OrderBy(group => group.Key, StringComparer.Ordinal))
            {
                var ordered = type.OrderBy(method => method.SortKey, StringComparer.Ordinal).ToList();
                output.AddSource(HintName(type.Key), TelemetryEventEmitter.Emit(ordered));
            }
        });
    }

    /// <summary>
    /// One feature and action at one version should have one shape: a second declaration with other keys is a warning
    /// (TH0011), at each declaration that differs from the first (in source order).
    /// </summary>
    private static EquatableArray<DiagnosticInfo> DuplicateShapes(IReadOnlyList<EventMethod> methods)
    {
        var diagnostics = new List<DiagnosticInfo>();
        foreach (var declarations in methods.GroupBy(method => (method.Feature, method.Action, method.Version)))
        {
            var ordered = declarations.OrderBy(method => method.SortKey, StringComparer.Ordinal).ToList();
            var first = ordered[0];
            foreach (var other in ordered.Skip(1).Where(method => method.Keys != first.Keys))
            {
                diagnostics.Add(new DiagnosticInfo(
                    DiagnosticDescriptors.DuplicateEventShape,
                    other.Location.FilePath,
                    other.Location.Span,
                    other.Location.LineSpan,
                    new EquatableArray<string>([
                        first.Feature,
                        first.Action,
                        first.Version.ToString(System.Globalization.CultureInfo.InvariantCulture),
                        first.DisplayName,
                        first.Keys])));
            }
        }

        return new EquatableArray<DiagnosticInfo>([.. diagnostics]);
    }

    private static string HintName(string typeKey)
    {
        var name = typeKey.StartsWith("global::", StringComparison.Ordinal) ? typeKey.Substring("global::".Length) : typeKey;
        var chars = name.Select(c => char.IsLetterOrDigit(c) || c == '.' || c == '_' ? c : '_').ToArray();
        return new string(chars) + ".TelemetryEvents.g.cs";
    }
}
