/** ANNOUNCE: reading a publisher's SDP into a stream spec lives with the stream (stream/announcement.ts). */
export { readAnnouncement, type AnnouncedTrack, type Announcement } from '../stream/announcement.js'
