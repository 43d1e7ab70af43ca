package io.sluice.systest.fuzz;

import org.apache.kafka.common.message.RequestHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.types.ArrayOf;
import org.apache.kafka.common.protocol.types.BoundField;
import org.apache.kafka.common.protocol.types.CompactArrayOf;
import org.apache.kafka.common.protocol.types.Field;
import org.apache.kafka.common.protocol.types.Schema;
import org.apache.kafka.common.protocol.types.TaggedFields;
import org.apache.kafka.common.protocol.types.Type;
import org.apache.kafka.common.utils.ByteUtils;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Finds where every field of a serialized request sits, by walking its bytes along the request's {@link Schema}
 * (kafka-clients' schema of that API and version, and of the request header): each integer, each length of a
 * string or bytes field, each array count, each tagged-field count, tag and size, and each records field. The
 * field-aware mutators change exactly those bytes. Only valid requests are walked; a walk that goes wrong throws.
 */
final class SchemaWalker {

    /** How a slot is encoded, which says what values make sense in it. */
    enum Kind {
        BOOLEAN(1), INT8(1), INT16(2), UINT16(2), INT32(4), UINT32(4), INT64(8), FLOAT64(8), UUID(16),
        VARINT(-1), VARLONG(-1),
        /** int16 length of a string (-1: null). */
        STRING_LENGTH(2),
        /** int32 length of a bytes or records field (-1: null). */
        BYTES_LENGTH(4),
        /** unsigned varint length + 1 of a compact string, bytes or records field (0: null). */
        COMPACT_LENGTH(-1),
        /** int32 element count of an array (-1: null). */
        ARRAY_COUNT(4),
        /** unsigned varint count + 1 of a compact array (0: null). */
        COMPACT_ARRAY_COUNT(-1),
        /** unsigned varint number of tagged fields, a tag, and a tagged field's size. */
        TAG_COUNT(-1), TAG(-1), TAG_SIZE(-1),
        /** the bytes of a records field (Produce batches). */
        RECORDS(-1);

        final int width;

        Kind(int width) {
            this.width = width;
        }

        boolean isLength() {
            return this == STRING_LENGTH || this == BYTES_LENGTH || this == COMPACT_LENGTH || this == ARRAY_COUNT
                    || this == COMPACT_ARRAY_COUNT || this == TAG_COUNT || this == TAG_SIZE;
        }

        boolean isNumber() {
            return this.ordinal() <= VARLONG.ordinal() && this != UUID;
        }
    }

    /** One field's bytes: [{@code offset}, {@code offset + width}) of the request (header included). */
    record Slot(int offset, int width, Kind kind, String path) {
    }

    private final ByteBuffer buf;
    private final List<Slot> slots = new ArrayList<>();

    private SchemaWalker(ByteBuffer buf) {
        this.buf = buf;
    }

    /** The slots of {@code request} (header and body, no size prefix) of {@code key} at {@code version}. */
    static List<Slot> walk(byte[] request, ApiKeys key, short version) {
        SchemaWalker w = new SchemaWalker(ByteBuffer.wrap(request));
        w.walk(RequestHeaderData.SCHEMAS[key.requestHeaderVersion(version)], "header");
        w.walk(key.messageType.requestSchemas()[version], key.name);
        if (w.buf.hasRemaining()) {
            throw new IllegalStateException(key + " v" + version + ": " + w.buf.remaining() + " bytes left after the walk");
        }
        return w.slots;
    }

    private void fixed(Kind kind, String path) {
        slots.add(new Slot(buf.position(), kind.width, kind, path));
        buf.position(buf.position() + kind.width);
    }

    private int unsignedVarint(Kind kind, String path) {
        int start = buf.position();
        int value = ByteUtils.readUnsignedVarint(buf);
        slots.add(new Slot(start, buf.position() - start, kind, path));
        return value;
    }

    /**
     * Struct fields that are nullable: their Schema does not say so, but the generated code writes an int8 before
     * them (-1: null, 1: present). The only one among the requests brokerd registers.
     */
    private static final Set<String> NULLABLE_STRUCTS = Set.of("DescribeTopicPartitions.cursor");

    private void walk(Type type, String path) {
        if (type instanceof Schema && NULLABLE_STRUCTS.contains(path)) {
            int start = buf.position();
            byte present = buf.get();
            slots.add(new Slot(start, 1, Kind.INT8, path + "._present"));
            if (present >= 0) {
                walkStruct((Schema) type, path);
            }
        } else if (type instanceof Schema schema) {
            walkStruct(schema, path);
        } else if (type instanceof TaggedFields tagged) {
            walkTagged(tagged, path);
        } else if (type instanceof ArrayOf) {
            int start = buf.position();
            int count = buf.getInt();
            slots.add(new Slot(start, 4, Kind.ARRAY_COUNT, path));
            for (int i = 0; i < count; i++) {
                walk(type.arrayElementType().orElseThrow(), path + "[" + i + "]");
            }
        } else if (type instanceof CompactArrayOf) {
            int count = unsignedVarint(Kind.COMPACT_ARRAY_COUNT, path) - 1;
            for (int i = 0; i < count; i++) {
                walk(type.arrayElementType().orElseThrow(), path + "[" + i + "]");
            }
        } else {
            walkPrimitive(type, path);
        }
    }

    private void walkStruct(Schema schema, String path) {
        for (BoundField f : schema.fields()) {
            walk(f.def.type, path + "." + f.def.name);
        }
    }

    private void walkTagged(TaggedFields tagged, String path) {
        int count = unsignedVarint(Kind.TAG_COUNT, path + "._tags");
        Map<Integer, Field> known = tagged.fields();
        for (int i = 0; i < count; i++) {
            int tag = unsignedVarint(Kind.TAG, path + "._tag");
            int size = unsignedVarint(Kind.TAG_SIZE, path + "._tag" + tag + "_size");
            int end = buf.position() + size;
            Field f = known.get(tag);
            if (f != null) {
                walk(f.type, path + "." + f.name);
            }
            buf.position(end);
        }
    }

    private void walkPrimitive(Type type, String path) {
        if (type == Type.BOOLEAN) {
            fixed(Kind.BOOLEAN, path);
        } else if (type == Type.INT8) {
            fixed(Kind.INT8, path);
        } else if (type == Type.INT16) {
            fixed(Kind.INT16, path);
        } else if (type == Type.UINT16) {
            fixed(Kind.UINT16, path);
        } else if (type == Type.INT32) {
            fixed(Kind.INT32, path);
        } else if (type == Type.UNSIGNED_INT32) {
            fixed(Kind.UINT32, path);
        } else if (type == Type.INT64) {
            fixed(Kind.INT64, path);
        } else if (type == Type.FLOAT64) {
            fixed(Kind.FLOAT64, path);
        } else if (type == Type.UUID) {
            fixed(Kind.UUID, path);
        } else if (type == Type.VARINT) {
            int start = buf.position();
            ByteUtils.readVarint(buf);
            slots.add(new Slot(start, buf.position() - start, Kind.VARINT, path));
        } else if (type == Type.VARLONG) {
            int start = buf.position();
            ByteUtils.readVarlong(buf);
            slots.add(new Slot(start, buf.position() - start, Kind.VARLONG, path));
        } else if (type == Type.STRING || type == Type.NULLABLE_STRING) {
            int start = buf.position();
            int length = buf.getShort();
            slots.add(new Slot(start, 2, Kind.STRING_LENGTH, path));
            skip(length);
        } else if (type == Type.BYTES || type == Type.NULLABLE_BYTES) {
            int start = buf.position();
            int length = buf.getInt();
            slots.add(new Slot(start, 4, Kind.BYTES_LENGTH, path));
            skip(length);
        } else if (type == Type.RECORDS) {
            int start = buf.position();
            int length = buf.getInt();
            slots.add(new Slot(start, 4, Kind.BYTES_LENGTH, path));
            records(length, path);
        } else if (type == Type.COMPACT_STRING || type == Type.COMPACT_NULLABLE_STRING
                || type == Type.COMPACT_BYTES || type == Type.COMPACT_NULLABLE_BYTES) {
            skip(unsignedVarint(Kind.COMPACT_LENGTH, path) - 1);
        } else if (type == Type.COMPACT_RECORDS) {
            records(unsignedVarint(Kind.COMPACT_LENGTH, path) - 1, path);
        } else {
            throw new IllegalStateException("no walk for type " + type + " at " + path);
        }
    }

    private void records(int length, String path) {
        if (length > 0) {
            slots.add(new Slot(buf.position(), length, Kind.RECORDS, path));
        }
        skip(length);
    }

    private void skip(int length) {
        if (length > 0) {
            buf.position(buf.position() + length);
        }
    }
}
