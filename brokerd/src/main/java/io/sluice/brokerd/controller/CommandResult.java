package io.sluice.brokerd.controller;

/**
 * What applying one {@link MetadataCommand} returned: {@code error} null on success; {@code value} carries a
 * command's number (the first producer id of a block, the partition epoch after AlterPartition); {@code text}
 * carries a string (the cluster id after InitCluster).
 */
public record CommandResult(ControllerError error, String message, long value, String text) {
    public static CommandResult ok() {
        return new CommandResult(null, null, 0, null);
    }

    public static CommandResult ok(long value) {
        return new CommandResult(null, null, value, null);
    }

    public static CommandResult okText(String text) {
        return new CommandResult(null, null, 0, text);
    }

    public static CommandResult fail(ControllerError error, String message) {
        return new CommandResult(error, message, 0, null);
    }

    public boolean isOk() {
        return error == null;
    }
}
