using Microsoft.AspNetCore.Http.HttpResults;

namespace MySqlHa.Api.Clusters;

internal static class ClusterProblems
{
    public static ProblemHttpResult NoSuchCluster(Guid id) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such cluster.", detail: $"No cluster has the id {id}.");
}
