using System.Collections.Immutable;
using System.Composition;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Simplification;

namespace TelemetryHosting.Generators.CodeFixes;

/// <summary>Fixes TH0002 (a parameter that cannot be metadata) by marking the parameter <c>[PrivateMetadata]</c>.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(PrivateMetadataCodeFixProvider))]
[Shared]
public sealed class PrivateMetadataCodeFixProvider : CodeFixProvider
{
    private const string Title = "Record it as private metadata ([PrivateMetadata])";

    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ["TH0002"];

    /// <inheritdoc />
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc />
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        foreach (var diagnostic in context.Diagnostics)
        {
            if (root?.FindNode(diagnostic.Location.SourceSpan).FirstAncestorOrSelf<ParameterSyntax>() is not { } parameter)
            {
                continue;
            }

            context.RegisterCodeFix(
                CodeAction.Create(Title, cancellationToken => AddAttributeAsync(context.Document, parameter, cancellationToken), equivalenceKey: Title),
                diagnostic);
        }
    }

    private static async Task<Document> AddAttributeAsync(Document document, ParameterSyntax parameter, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        if (root is null)
        {
            return document;
        }

        // Fully qualified and marked for simplification: it becomes [PrivateMetadata] where 'using TelemetryHosting;' is in scope.
        var attribute = SyntaxFactory.Attribute(SyntaxFactory.ParseName("global::TelemetryHosting.PrivateMetadata"))
            .WithAdditionalAnnotations(Simplifier.Annotation);
        var list = SyntaxFactory.AttributeList(SyntaxFactory.SingletonSeparatedList(attribute));
        var fixedParameter = parameter
            .WithoutLeadingTrivia()
            .AddAttributeLists(list.WithTrailingTrivia(SyntaxFactory.Space))
            .WithLeadingTrivia(parameter.GetLeadingTrivia());
        return document.WithSyntaxRoot(root.ReplaceNode(parameter, fixedParameter));
    }
}
