/**
 * AWS AppConfig's state: applications, their environments and configuration profiles (each
 * found by name or by id, as AppConfig accepts either), the hosted configuration versions of a
 * profile, and the version deployed to each environment. AppConfigData's sessions live in the
 * stand-in; they read what is deployed here.
 */
import { ModelError } from './model-error.js'

/** An application, environment or configuration profile. */
export interface AppConfigResource {
  /** 7 lowercase letters and digits, as AWS makes them. */
  readonly id: string
  readonly name: string
}

export interface HostedConfigurationVersion {
  readonly versionNumber: number
  readonly content: Uint8Array
  readonly contentType: string
  readonly versionLabel?: string
  readonly createdDate: Date
}

/** The three resources a configuration session names. */
export interface AppConfigTarget {
  readonly application: AppConfigResource
  readonly environment: AppConfigResource
  readonly profile: AppConfigResource
}

export interface DeployedConfiguration extends AppConfigTarget {
  readonly version: HostedConfigurationVersion
  /** Counts the deployments to the environment, as AWS numbers them. */
  readonly deploymentNumber: number
}

/** A configuration seed: a string is JSON content. */
export type ConfigurationSeed =
  | string
  | { readonly content: string | Uint8Array; readonly contentType?: string; readonly versionLabel?: string }

export interface DeployOptions {
  /** Default application/json. */
  readonly contentType?: string
  readonly versionLabel?: string
}

/** What AppConfigData answers for each kind of resource it cannot find (ResourceType). */
type ResourceType = 'Application' | 'Environment' | 'ConfigurationProfile' | 'Deployment' | 'Configuration'

interface ApplicationRecord extends AppConfigResource {
  readonly environments: EnvironmentRecord[]
  readonly profiles: ProfileRecord[]
}

interface EnvironmentRecord extends AppConfigResource {
  deploymentCount: number
  /** Profile id -> the deployed version and its deployment number. */
  readonly deployed: Map<string, { readonly versionNumber: number; readonly deploymentNumber: number }>
}

interface ProfileRecord extends AppConfigResource {
  readonly versions: HostedConfigurationVersion[]
}

export class AppConfigModel {
  private readonly applications: ApplicationRecord[] = []
  private readonly usedIds = new Set<string>()

  /** The application named `name`, created when there is none. */
  createApplication(name: string): AppConfigResource {
    return named(this.applications, name, () => ({ id: this.newId(`application:${name}`), name, environments: [], profiles: [] }))
  }

  /** The application's environment named `name`, created when there is none. */
  createEnvironment(application: string, name: string): AppConfigResource {
    const app = this.application(application)
    return named(app.environments, name, () => ({ id: this.newId(`environment:${app.id}:${name}`), name, deploymentCount: 0, deployed: new Map() }))
  }

  /** The application's configuration profile named `name`, created when there is none. */
  createConfigurationProfile(application: string, name: string): AppConfigResource {
    const app = this.application(application)
    return named(app.profiles, name, () => ({ id: this.newId(`profile:${app.id}:${name}`), name, versions: [] }))
  }

  /** CreateHostedConfigurationVersion: the next version number of the profile. */
  createHostedConfigurationVersion(application: string, profile: string, content: string | Uint8Array, options: DeployOptions = {}): HostedConfigurationVersion {
    const record = this.profileRecord(this.application(application), profile)
    const version: HostedConfigurationVersion = {
      versionNumber: (record.versions.at(-1)?.versionNumber ?? 0) + 1,
      content: typeof content === 'string' ? new TextEncoder().encode(content) : new Uint8Array(content),
      contentType: options.contentType ?? 'application/json',
      versionLabel: options.versionLabel,
      createdDate: new Date(),
    }
    record.versions.push(version)
    return version
  }

  /** StartDeployment, finished at once: `versionNumber` becomes what the environment serves. */
  startDeployment(application: string, environment: string, profile: string, versionNumber: number): DeployedConfiguration {
    const target = this.records(application, environment, profile)
    if (!target.profile.versions.some((v) => v.versionNumber === versionNumber)) {
      throw notFound('Configuration', `Hosted configuration version ${versionNumber} of ${target.profile.name}`)
    }
    target.environment.deploymentCount += 1
    target.environment.deployed.set(target.profile.id, { versionNumber, deploymentNumber: target.environment.deploymentCount })
    return this.deployed(application, environment, profile)
  }

  /**
   * What a test does to change a configuration: creates the application, environment and
   * profile when missing, adds a hosted version with this content, and deploys it.
   */
  deploy(application: string, environment: string, profile: string, content: string | Uint8Array, options: DeployOptions = {}): DeployedConfiguration {
    const app = this.createApplication(application)
    const env = this.createEnvironment(app.id, environment)
    const prof = this.createConfigurationProfile(app.id, profile)
    const version = this.createHostedConfigurationVersion(app.id, prof.id, content, options)
    return this.startDeployment(app.id, env.id, prof.id, version.versionNumber)
  }

  /** The three resources, each by id or name; ResourceNotFoundException names the first missing one. */
  resolve(application: string, environment: string, profile: string): AppConfigTarget {
    const { application: app, environment: env, profile: prof } = this.records(application, environment, profile)
    return { application: resource(app), environment: resource(env), profile: resource(prof) }
  }

  /** The version deployed to the environment for the profile; ResourceNotFoundException when there is none. */
  deployed(application: string, environment: string, profile: string): DeployedConfiguration {
    const target = this.records(application, environment, profile)
    const deployment = target.environment.deployed.get(target.profile.id)
    const version = target.profile.versions.find((v) => v.versionNumber === deployment?.versionNumber)
    if (!deployment || !version) throw notFound('Deployment', `No deployment of ${target.profile.name} to ${target.environment.name}`)
    return { ...this.resolve(application, environment, profile), version, deploymentNumber: deployment.deploymentNumber }
  }

  /** `application/environment/profile` (names) of every deployed configuration. */
  deployedNames(): string[] {
    return this.applications.flatMap((app) =>
      app.environments.flatMap((env) =>
        app.profiles.filter((p) => env.deployed.has(p.id)).map((p) => `${app.name}/${env.name}/${p.name}`),
      ),
    )
  }

  private records(application: string, environment: string, profile: string): { application: ApplicationRecord; environment: EnvironmentRecord; profile: ProfileRecord } {
    const app = this.application(application)
    const env = identified(app.environments, environment)
    if (!env) throw notFound('Environment', `Environment ${environment} of application ${app.name}`)
    return { application: app, environment: env, profile: this.profileRecord(app, profile) }
  }

  private application(identifier: string): ApplicationRecord {
    const app = identified(this.applications, identifier)
    if (!app) throw notFound('Application', `Application ${identifier}`)
    return app
  }

  private profileRecord(app: ApplicationRecord, identifier: string): ProfileRecord {
    const profile = identified(app.profiles, identifier)
    if (!profile) throw notFound('ConfigurationProfile', `Configuration profile ${identifier} of application ${app.name}`)
    return profile
  }

  /** A stable id (the same names give the same ids in every run), unique in this model. */
  private newId(seed: string): string {
    for (let salt = 0; ; salt += 1) {
      let hash = 7
      for (const ch of `${seed}#${salt}`) hash = (Math.imul(hash, 31) + ch.charCodeAt(0)) >>> 0
      const id = hash.toString(36).padStart(7, '0') // 2^32 needs at most 7 base-36 digits
      if (!this.usedIds.has(id)) {
        this.usedIds.add(id)
        return id
      }
    }
  }
}

/** The record with this id, else the one with this name: AppConfig takes either. */
function identified<T extends AppConfigResource>(records: readonly T[], identifier: string): T | undefined {
  return records.find((record) => record.id === identifier) ?? records.find((record) => record.name === identifier)
}

/** The record named `name` in `records`, made by `create` and added when there is none. */
function named<T extends AppConfigResource>(records: T[], name: string, create: () => T): T {
  const existing = records.find((record) => record.name === name)
  if (existing) return existing
  const record = create()
  records.push(record)
  return record
}

function resource(record: AppConfigResource): AppConfigResource {
  return { id: record.id, name: record.name }
}

/** AppConfigData's ResourceNotFoundException (HTTP 404), with its ResourceType. */
function notFound(resourceType: ResourceType, what: string): ModelError {
  return new ModelError('ResourceNotFoundException', `${what} could not be found.`, 404, { ResourceType: resourceType })
}
