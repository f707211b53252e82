import type { MqttSource, PlantConfig, SparkplugSource } from '../config/plant/plantConfigSchema';
import type { MqttLogin } from './mqtt/output/MqttSession';

/**
 * The plant file's MQTT source named `id` (an output or the watchdog names the source whose
 * broker it uses). The plant file's cross-checks already refused a name that is not an mqtt
 * source, so a miss here is a programming error, said plainly.
 */
export function mqttSourceOf(config: PlantConfig, id: string): MqttSource {
  const s = config.sources.find((x) => x.id === id);
  if (!s || s.kind !== 'mqtt') throw new Error(`the plant file has no mqtt source "${id}"`);
  return s;
}

/**
 * The broker account of an MQTT or Sparkplug source: the user name from the file, the password
 * from the environment variable the file names (never from the file). A named variable that is
 * not set is an error at start, not a connection refused later with a vaguer reason.
 */
export function mqttLoginOf(s: MqttSource | SparkplugSource, env: Readonly<Record<string, string | undefined>>): MqttLogin {
  const login: MqttLogin = {};
  if (s.username !== undefined) login.username = s.username;
  if (s.passwordEnv !== undefined) {
    const password = env[s.passwordEnv];
    if (password === undefined) throw new Error(`source ${s.id}: the environment variable ${s.passwordEnv} (its broker password) is not set`);
    login.password = password;
  }
  return login;
}
