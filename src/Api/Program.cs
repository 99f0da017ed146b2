using MySqlHa.Api.Audit;
using MySqlHa.Api.Clusters;
using MySqlHa.Api.Health;
using MySqlHa.Api.Operations;
using MySqlHa.Api.Hosting;
using JasperFx;
using Prometheus;

var builder = WebApplication.CreateBuilder(args);
var settings = MySqlHaSettings.From(builder.Configuration);

builder.AddMySqlHaServices(settings);

var app = builder.Build();

app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseSwagger();
app.UseSwaggerUI();
app.UseHttpMetrics();

app.MapHealth();
app.MapMetrics("/metrics");
app.MapClusters();
app.MapInstances();
app.MapTopology();
app.MapSwitchover();
app.MapFailover();
app.MapSemiSync();
app.MapOperations();
app.MapOperationRelease();
app.MapEvents();

return await app.RunJasperFxCommands(args);

/// <summary>Visible to the integration tests' WebApplicationFactory.</summary>
public partial class Program;
