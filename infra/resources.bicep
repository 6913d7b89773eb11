// The resources of one deployment, in its resource group (see main.bicep): a storage account that only
// accepts Microsoft Entra ID, a user-assigned managed identity with data roles on it, Log Analytics with
// Application Insights, and the function app on a Flex Consumption plan (.NET isolated) that runs as
// that identity.
param location string
param tags object
@minLength(13)
@maxLength(13)
@description('The uniqueString() that seeds every resource\'s name (13 characters): st<token> is a valid storage account name.')
param resourceToken string
param principalId string
param authMode string
param entraClientId string
param entraTenantId string
param modelProvider string
param openAIEndpoint string
param openAIModel string
param corsAllowedOrigins array

@description('Most instances the app scales out to.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 100

@description('Memory of each instance.')
@allowed([512, 2048, 4096])
param instanceMemoryMB int = 2048

@description('When the retention sweep runs (six-field CRON, UTC).')
param retentionSweepSchedule string = '0 0 * * * *'

var functionAppName = 'func-${resourceToken}'
var deploymentContainerName = 'app-package-${take(functionAppName, 32)}'

// The names the app uses (StorageSettings with no prefix: the queue trigger names its queue at build time).
var tableNames = ['threads', 'assistants', 'checkpoints', 'runs', 'runevents', 'storeitems', 'crons']
var queueNames = ['runs', 'runs-poison', 'compaction', 'compaction-poison', 'webhooks', 'webhooks-poison']

// Built-in role definitions (data plane).
var roles = {
  blobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  queueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  tableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: 'id-${resourceToken}'
  location: location
  tags: tags
}

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: 'st${resourceToken}'
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    accessTier: 'Hot'
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      bypass: 'AzureServices'
      defaultAction: 'Allow'
    }
  }

  resource blobServices 'blobServices' = {
    name: 'default'

    resource deploymentContainer 'containers' = {
      name: deploymentContainerName
    }
  }

  resource tableServices 'tableServices' = {
    name: 'default'

    resource table 'tables' = [for name in tableNames: {
      name: name
    }]
  }

  resource queueServices 'queueServices' = {
    name: 'default'

    resource queue 'queues' = [for name in queueNames: {
      name: name
    }]
  }
}

// The app's identity: the host's blobs (deployment package, leases) and queues, and our tables and queues.
resource identityRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for role in items(roles): {
  name: guid(storage.id, identity.id, role.value)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role.value)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}]

// The developer (azd's signed-in principal), so the server and the tests can use this account too.
resource developerRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for role in items(roles): if (!empty(principalId)) {
  name: guid(storage.id, principalId, role.value)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role.value)
    principalId: principalId
  }
}]

resource logAnalytics 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: 'log-${resourceToken}'
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: 30
  }
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: 'appi-${resourceToken}'
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: logAnalytics.id
  }
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: 'plan-${resourceToken}'
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    tier: 'FlexConsumption'
    name: 'FC1'
  }
  properties: {
    reserved: true
  }
}

resource functionApp 'Microsoft.Web/sites@2024-04-01' = {
  name: functionAppName
  location: location
  tags: union(tags, { 'azd-service-name': 'api' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identity.id}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    siteConfig: {
      minTlsVersion: '1.2'
      cors: {
        allowedOrigins: corsAllowedOrigins
      }
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identity.id
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'dotnet-isolated'
        version: '10.0'
      }
    }
  }

  // Every setting the app reads in Azure (README, "Run on Azure Functions"). Storage is identity-based: the
  // host reads AzureWebJobsStorage__accountName/credential/clientId, the app the service URIs and the client id.
  resource appSettings 'config' = {
    name: 'appsettings'
    properties: union({
      AzureWebJobsStorage__accountName: storage.name
      AzureWebJobsStorage__credential: 'managedidentity'
      AzureWebJobsStorage__clientId: identity.properties.clientId
      AzureWebJobsStorage__blobServiceUri: storage.properties.primaryEndpoints.blob
      AzureWebJobsStorage__queueServiceUri: storage.properties.primaryEndpoints.queue
      AzureWebJobsStorage__tableServiceUri: storage.properties.primaryEndpoints.table
      AZURE_CLIENT_ID: identity.properties.clientId
      APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsights.properties.ConnectionString
      Auth__Mode: authMode
      Model__Provider: modelProvider
      RETENTION_SWEEP_SCHEDULE: retentionSweepSchedule
    }, authMode == 'Jwt' ? {
      Auth__Jwt__ClientId: entraClientId
      Auth__Jwt__TenantId: entraTenantId
    } : {}, modelProvider == 'openai' ? {
      OpenAI__Endpoint: openAIEndpoint
      OpenAI__Model: openAIModel
      OpenAI__UseEntraId: 'true'
    } : {})
    dependsOn: [
      identityRoles
    ]
  }
}

// Auth:Mode EasyAuth: the platform's authentication with Entra ID in front of every request. It refuses callers
// without a valid token or session (401), removes any X-MS-CLIENT-PRINCIPAL headers a caller sent and sets its own,
// and sets WEBSITE_AUTH_ENABLED=True, without which the app refuses to start in EasyAuth mode. Off in every other mode.
resource authSettings 'Microsoft.Web/sites/config@2024-04-01' = if (authMode == 'EasyAuth') {
  parent: functionApp
  name: 'authsettingsV2'
  properties: {
    platform: {
      enabled: true
    }
    globalValidation: {
      requireAuthentication: true
      unauthenticatedClientAction: 'Return401'
    }
    identityProviders: {
      azureActiveDirectory: {
        enabled: true
        registration: {
          clientId: entraClientId
          openIdIssuer: '${environment().authentication.loginEndpoint}${entraTenantId}/v2.0'
        }
        validation: {
          allowedAudiences: [
            entraClientId
            'api://${entraClientId}'
          ]
        }
      }
    }
    login: {
      tokenStore: {
        enabled: false
      }
    }
  }
  // One change to the site's configuration at a time.
  dependsOn: [
    functionApp::appSettings
  ]
}

output functionAppName string = functionApp.name
output functionAppUrl string = 'https://${functionApp.properties.defaultHostName}'
output storageAccountName string = storage.name
output tableEndpoint string = storage.properties.primaryEndpoints.table
output queueEndpoint string = storage.properties.primaryEndpoints.queue
