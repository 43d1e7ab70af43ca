package io.sluice.brokerd.config;

/** A bad configuration: the message names the key and says what is wrong. */
public final class ConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ConfigException(String message) {
        super(message);
    }
}
