// One AgentFunctions deployment (Azure Developer CLI layout): a resource group with the Flex Consumption
// function app and everything it uses. `azd up` provisions this and deploys src/AgentFunctions.FunctionApp.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('The azd environment name; it names the resource group and seeds the resources\' unique names.')
param environmentName string

@minLength(1)
@description('The region of every resource (one that offers Flex Consumption).')
param location string

@description('Object id of a user or group given data access to the storage account (for running the server or tests against it); empty for none.')
param principalId string = ''

@allowed(['None', 'ApiKey', 'EasyAuth', 'Jwt'])
@description('Auth:Mode of the API. None: every caller is one owner, and the function keys are the only guard. EasyAuth: the app\'s built-in authentication with Entra ID (authsettingsV2) is turned on and signs callers in. Jwt: the app validates Entra ID bearer tokens itself; built-in authentication stays off. Both need entraClientId.')
param authMode string = 'None'

@description('EasyAuth and Jwt: the client id of the API\'s Entra ID app registration (tokens for it or for api://it are accepted).')
param entraClientId string = ''

@description('EasyAuth and Jwt: the Entra ID tenant whose users may call the API.')
param entraTenantId string = tenant().tenantId

@allowed(['offline', 'openai'])
@description('Model:Provider: the offline model, or an OpenAI-compatible endpoint reached with the app\'s managed identity.')
param modelProvider string = 'offline'

@description('OpenAI:Endpoint when modelProvider is openai (for Azure OpenAI: https://<resource>.openai.azure.com/openai/v1/).')
param openAIEndpoint string = ''

@description('OpenAI:Model (the model or deployment name) when modelProvider is openai.')
param openAIModel string = ''

@description('Origins allowed to call the API from a browser (the platform\'s CORS); empty for none.')
param corsAllowedOrigins array = []

var tags = { 'azd-env-name': environmentName }

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: 'rg-${environmentName}'
  location: location
  tags: tags
}

module resources 'resources.bicep' = {
  name: 'agentfunctions'
  scope: rg
  params: {
    location: location
    tags: tags
    resourceToken: toLower(uniqueString(subscription().id, environmentName, location))
    principalId: principalId
    authMode: authMode
    entraClientId: entraClientId
    entraTenantId: entraTenantId
    modelProvider: modelProvider
    openAIEndpoint: openAIEndpoint
    openAIModel: openAIModel
    corsAllowedOrigins: corsAllowedOrigins
  }
}

output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = resources.outputs.functionAppName
output AGENTFUNCTIONS_URL string = resources.outputs.functionAppUrl
output AZURE_STORAGE_ACCOUNT_NAME string = resources.outputs.storageAccountName
output AGENTFUNCTIONS_STORAGE_TABLE_ENDPOINT string = resources.outputs.tableEndpoint
output AGENTFUNCTIONS_STORAGE_QUEUE_ENDPOINT string = resources.outputs.queueEndpoint
